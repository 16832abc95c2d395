"""What the browsable API's forms and OPTIONS say a write takes: its input serializer, never
the record's output shape. (tests/access/test_api_no_server_errors.py sweeps every route
for server errors.)"""

import pytest
from rest_framework import serializers

from cases.api.base import InputAndOutput
from panel.urls import router
from tests.cases.test_api import client_for
from tests.factories import coordinator, make_referral, referrer, staffordshire

pytestmark = pytest.mark.django_db


def post_fields(response) -> dict:
    assert response.status_code == 200, response.content[:300]
    return response.json()["actions"]["POST"]


def test_options_on_referrals_describes_making_a_referral(matrix):
    fields = post_fields(client_for(referrer()).options("/api/v1/referrals/"))

    assert {"child", "concerns", "immediate_risk", "answers", "submission_token"} <= set(fields)
    assert "first_name" in fields["child"]["children"]
    # Nothing of the panel's output shape: the outcome is not something a referrer sends.
    assert not {"view", "status", "outcome_reason", "triaged_by"} & set(fields)


def test_options_on_a_triage_route_describes_its_own_input(matrix):
    me = coordinator(staffordshire())
    referral = make_referral()

    accept = post_fields(client_for(me).options(f"/api/v1/referrals/{referral.pk}/accept/"))
    decide = post_fields(client_for(me).options(f"/api/v1/referrals/{referral.pk}/decide/"))

    assert {"reason", "lead_agency", "involved_agencies"} <= set(accept)
    assert {"outcome", "route", "reason"} == set(decide)


def test_the_browsable_list_of_referrals_offers_the_referral_as_json(matrix):
    response = client_for(referrer()).get("/api/v1/referrals/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    page = response.content.decode()
    assert "&quot;concerns&quot;" in page  # the raw JSON form, built from the input
    assert "&quot;outcome_reason&quot;" not in page


def test_a_form_for_an_id_is_typed_never_a_list_of_records(matrix):
    """An id's choices depend on the record acted on, and would name other records."""
    me = coordinator(staffordshire())
    referral = make_referral()

    response = client_for(me).get(
        f"/api/v1/referrals/{referral.pk}/link-child/", HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 405  # POST only; the page still shows its form
    assert referral.child.last_name not in response.content.decode()


def write_actions(viewset) -> list[str]:
    writes = ["create"] if hasattr(viewset, "create") else []
    return writes + [
        extra.__name__ for extra in viewset.get_extra_actions() if "post" in extra.mapping
    ]


@pytest.mark.parametrize(
    "viewset", [entry[1] for entry in router.registry], ids=lambda v: v.__name__
)
def test_every_write_names_its_input_serializer(viewset):
    """So its form and OPTIONS describe what it reads (and it reads with read_input)."""
    writes = write_actions(viewset)
    if not writes:
        return
    assert issubclass(viewset, InputAndOutput)
    for name in writes:
        assert issubclass(viewset.input_serializers.get(name), serializers.Serializer), name


def test_a_write_answering_with_get_serializer_still_answers_with_the_record():
    """get_serializer() with no record is the write's form; with a record, the answer."""
    from rest_framework.test import APIRequestFactory

    from cases.api.actions import ActionDetailSerializer, ActionViewSet, ProgressSerializer
    from cases.models import Action

    view = ActionViewSet(action_map={"post": "progress"}, action="progress", format_kwarg=None)
    view.request = view.initialize_request(APIRequestFactory().post("/api/v1/actions/1/update/"))

    assert isinstance(view.get_serializer(), ProgressSerializer)
    assert isinstance(view.get_serializer(Action()), ActionDetailSerializer)
