from django.urls import path

from cases.views import actions, case_pages, referrals, reviews, subject_access, triage

app_name = "cases"

urlpatterns = [
    # Referring a child (referrers, coordinators, agency leads).
    path("referrals/", referrals.referral_list, name="referral-list"),
    path("referrals/new/", referrals.new_referral, name="referral-new"),
    path("referrals/score/", referrals.score_preview, name="referral-score"),
    path("referrals/<int:pk>/", referrals.referral_detail, name="referral-detail"),
    # Triage (coordinators of the referral's area).
    path("triage/", triage.triage_queue, name="triage-queue"),
    path("triage/<int:pk>/", triage.triage_detail, name="triage-detail"),
    path("triage/<int:pk>/confirm-new-child/", triage.confirm_new_child, name="triage-confirm-new"),
    path("triage/<int:pk>/link-child/<int:child_pk>/", triage.link_child, name="triage-link-child"),
    path("triage/<int:pk>/assess/", triage.assess, name="triage-assess"),
    path("triage/<int:pk>/undo-link/", triage.undo_link, name="triage-undo-link"),
    path("triage/<int:pk>/accept/", triage.accept, name="triage-accept"),
    path("triage/<int:pk>/decide/", triage.decide, name="triage-decide"),
    # Cases.
    path("cases/", case_pages.case_list, name="case-list"),
    path("cases/<int:pk>/", case_pages.case_detail, name="case-detail"),
    path("cases/<int:pk>/chronology/", case_pages.case_chronology, name="case-chronology"),
    path("cases/<int:pk>/open/", case_pages.open_case, name="case-open"),
    path("cases/<int:pk>/close/", case_pages.close_case, name="case-close"),
    path("cases/<int:pk>/reopen/", case_pages.reopen_case, name="case-reopen"),
    path("cases/<int:pk>/assess/", case_pages.assess_case, name="case-assess"),
    path("cases/<int:pk>/notes/", case_pages.add_note, name="case-note"),
    path("cases/<int:pk>/team/", case_pages.edit_team, name="case-team"),
    path("children/<int:pk>/", case_pages.child_detail, name="child-detail"),
    path("children/<int:pk>/details/", case_pages.edit_child_details, name="child-details"),
    # Subject access (coordinators of the child's area, auditors): third parties redacted.
    path(
        "children/<int:pk>/subject-access/",
        subject_access.child_subject_access,
        name="child-subject-access",
    ),
    path(
        "children/<int:pk>/subject-access/download/",
        subject_access.child_subject_access_download,
        name="child-subject-access-download",
    ),
    # Actions: coordinators agree them; the owning agency's leads progress them.
    path("cases/<int:pk>/actions/new/", actions.add_action, name="action-add"),
    path("actions/<int:pk>/", actions.action_detail, name="action-detail"),
    path("actions/<int:pk>/update/", actions.update_action, name="action-update"),
    path("actions/<int:pk>/cancel/", actions.cancel_action, name="action-cancel"),
    path("actions/<int:pk>/reassign/", actions.reassign_action, name="action-reassign"),
    path("my-work/", actions.my_work, name="my-work"),
    # Reviews (coordinators of the case's area).
    path("reviews/due/", reviews.reviews_due, name="reviews-due"),
    path("reviews/<int:pk>/hold/", reviews.hold_review, name="review-hold"),
]
