from rest_framework.routers import SimpleRouter

from cases.api.actions import ActionViewSet, ReviewViewSet
from cases.api.assessments import AssessmentViewSet, NoteViewSet, RiskToolViewSet
from cases.api.cases import CaseViewSet
from cases.api.children import ChildViewSet
from cases.api.referrals import ReferralViewSet

router = SimpleRouter()
router.register("children", ChildViewSet, basename="child")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("cases", CaseViewSet, basename="case")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("notes", NoteViewSet, basename="note")
router.register("actions", ActionViewSet, basename="action")
router.register("reviews", ReviewViewSet, basename="review")
router.register("risk-tools", RiskToolViewSet, basename="risk-tool")

# Registered on the project router in panel/urls.py, so the API root lists them.
