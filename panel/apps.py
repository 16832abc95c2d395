from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    verbose_name = "Panel: areas, agencies and people"

    def ready(self) -> None:
        # Connects the sign-in receiver that starts the session clocks (panel/sessions.py).
        from django.db.models.signals import post_migrate

        from panel import sessions  # noqa: F401
        from panel.db_roles import grant_after_migrate

        # Once per migrate (sender: this app), after every app's tables exist.
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="panel-db-roles")
