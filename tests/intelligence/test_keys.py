"""The keys intelligence is matched on: registrations (whole and partial), phones, handles."""

import pytest

from intelligence import keys


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("AB12 CDE", "ab12cde", True),
        ("AB12 CDE", "AB12 CDF", False),
        ("AB1? CDE", "AB12 CDE", True),
        ("AB12*", "AB12 CDE", True),
        ("*CDE", "AB12 CDE", True),
        ("*CDE", "AB12 CDF", False),
        ("AB?2 CDE", "A?12 CDE", True),
        ("AB?2 CDE", "AC?2 CDE", False),
        ("AB12*", "*CDE", True),
        ("AB12*", "AC*", False),
        ("", "AB12 CDE", False),
    ],
)
def test_registrations_match_whole_and_partial(a, b, same):
    assert keys.registrations_match(a, b) is same
    assert keys.registrations_match(b, a) is same


def test_a_registration_folds_case_and_spaces_and_knows_it_is_partial():
    assert keys.registration_key(" ab12  cde ") == "AB12CDE"
    assert not keys.is_partial("AB12 CDE")
    assert keys.is_partial("AB1? CDE")


@pytest.mark.parametrize(
    ("number", "key"),
    [("07700 900123", "07700900123"), ("+44 7700 900123", "07700900123"),
     ("0044 7700-900123", "07700900123")],
)  # fmt: skip
def test_phone_numbers_keep_digits_with_the_uk_code_as_zero(number, key):
    assert keys.phone_key(number) == key


def test_handles_fold_case_and_the_at_sign():
    assert keys.handle_key(" @Test_Handle99 ") == "test_handle99"
