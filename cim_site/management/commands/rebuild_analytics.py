"""manage.py rebuild_analytics — every ticket fact and daily rollup from the source tables."""

import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rebuild the analytics facts and daily rollups from scratch (with a progress bar)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import transaction
        from django.utils import timezone

        from cim_site.analytics.models import AnalyticsWatermark
        from cim_site.analytics.refresh import WATERMARK, rebuild_all

        started = time.perf_counter()
        now = timezone.now()
        result = rebuild_all(progress=not options["quiet_progress"], now=now)
        with transaction.atomic():
            from channels.models import Interaction

            last = Interaction.objects.order_by("-id").values_list("id", flat=True).first()
            AnalyticsWatermark.objects.update_or_create(
                name=WATERMARK, defaults={"at": now, "last_id": last or 0}
            )
        self.stdout.write(
            f"{result['tickets']} ticket facts, {result['days']} days "
            f"({result['rollup_rows']} rollup rows) in {time.perf_counter() - started:.1f}s"
        )
