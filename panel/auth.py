from django.contrib.auth.backends import ModelBackend
from django.db.models import Prefetch

from panel.models import RoleAssignment, User


class PanelBackend(ModelBackend):
    """Django's backend, loading the user's agency and roles with the user: every page
    shows them in the header and every scoping rule reads them."""

    def get_user(self, user_id):
        user = (
            User._default_manager.select_related("agency")
            .prefetch_related(
                Prefetch("role_assignments", RoleAssignment.objects.select_related("area"))
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
