"""Every write to a panel meeting, split by sub-domain. Import the module you need:
``from meetings.services import scheduling, agenda, research, hearing, minutes``."""
