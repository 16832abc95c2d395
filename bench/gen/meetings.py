"""Panel meetings per area (placeholder)."""

READY = False


def write_meetings(ctx, area, using) -> None:
    return None
