from panel.management.commands._axes_refused import RefusedAxesCommand as Command

__all__ = ["Command"]
