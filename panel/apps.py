from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    verbose_name = "Panel: areas, agencies and people"

    def ready(self) -> None:
        # Connects the sign-in receiver that starts the session clocks (panel/sessions.py).
        from panel import sessions  # noqa: F401
