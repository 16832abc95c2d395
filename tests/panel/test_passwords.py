"""Password rules (issue 9 point 6): Argon2, 12 or more characters, no common or breached
password from the lists shipped in the repo, no repeated characters."""

import gzip

import pytest
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

from panel import settings as project_settings
from panel.passwords import (
    COMMON_PASSWORD_FILES,
    CommonPasswordValidator,
    RepeatedCharacterValidator,
    load_password_list,
)
from tests.factories import UserFactory


def refused(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [e.code for e in error.error_list]
    return []


def test_argon2_hashes_passwords_and_twelve_characters_are_needed():
    # (conftest swaps in a fast hasher for speed: the project's own list is checked)
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert "password_too_short" in refused("Xq7-vbn3!Lp")  # 11 characters
    assert refused("Xq7-vbn3!Lpw") == []  # 12


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",  # accepted before issue 9
        "111111111111",
        "Bluebell!!!!x2",  # a run of 4
        "AAAAbcdefgh12",
        "abababababab",  # 2 different characters
        "AbAbAbAbAbAb",  # the same without case
        "abcabcabcabc",
        "xy12xy12xy12",  # 4 different
    ],
)
def test_repeated_characters_are_refused(password):
    codes = refused(password)
    assert codes and set(codes) <= {
        "password_repeated_characters",
        "password_too_few_characters",
        "password_too_common",
        "password_entirely_numeric",
    }
    with pytest.raises(ValidationError):
        RepeatedCharacterValidator().validate(password)


@pytest.mark.parametrize(
    "password", ["aaab-cdef-ghij", "bookkeeper-jazz", "xy12xy12xy1z", "Mississippi-river"]
)
def test_up_to_three_in_a_row_and_five_different_characters_are_fine(password):
    RepeatedCharacterValidator().validate(password)


@pytest.mark.parametrize(
    "password",
    [
        "password1234",  # Django's list stem with digits added
        "Password123!",  # "password123!" variants
        "PASSWORD12345!",
        "qwertyuiop123",
        "iloveyou2026!!",
        "Safeguarding2026!",  # the service's own words
        "staffordshire1",
        "Stoke-on-Trent2026",
        "panel-demo-2026",  # the public demo password
        "123456789012",
    ],
)
def test_common_and_service_passwords_are_refused(password):
    assert "password_too_common" in refused(password) or "password_entirely_numeric" in refused(
        password
    )
    if not password.isdigit():
        with pytest.raises(ValidationError) as error:
            CommonPasswordValidator().validate(password)
        assert error.value.code == "password_too_common"


def test_a_long_unusual_passphrase_is_accepted():
    assert refused("velvet-otter-harbour-7") == []
    assert refused("correct-horse-battery-staple-test") == []  # the tests' own password


def test_the_lists_are_read_from_the_repo_not_from_django():
    validator = next(
        v for v in get_default_password_validators() if isinstance(v, CommonPasswordValidator)
    )
    assert validator.paths == COMMON_PASSWORD_FILES
    for path in COMMON_PASSWORD_FILES:
        assert path.is_file()
        assert "site-packages" not in str(path)
    words = load_password_list(COMMON_PASSWORD_FILES)
    assert len(words) > 19_000
    assert {"safeguarding", "staffordshire", "panel-demo", "password"} <= words
    assert not any(word.startswith("# ") for word in words)  # comments are not words


def test_a_list_of_its_own_can_be_given(tmp_path):
    custom = tmp_path / "words.txt.gz"
    with gzip.open(custom, "wt") as out:
        out.write("zebracrossing\n")
    validator = CommonPasswordValidator(password_list_paths=[str(custom)])

    with pytest.raises(ValidationError):
        validator.validate("ZebraCrossing99")
    validator.validate("password1234")


@pytest.mark.django_db
def test_the_rules_still_include_likeness_to_the_person():
    user = UserFactory(username="bluebell.hedgerow", first_name="Bluebell")
    assert "password_too_similar" in refused("bluebell.hedgerow", user)


def test_each_rule_explains_itself_in_plain_english():
    texts = " ".join(password_validators_help_texts())
    assert "at least 12 characters" in texts
    assert "common password" in texts
    assert "more than 3 times in a row" in texts
    assert "at least 5 different characters" in texts
