"""manage.py evaluate_bot FILE.csv: score the bot's matching on labelled questions
(columns question,expected; expected = article slug, or empty / "handoff" for questions a person
should take) against the current knowledge base."""

import json
import time
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from knowledge_base import bot, evaluation, indexing


class Command(BaseCommand):
    help = "Top-1/top-3 accuracy, hand-off rate and precision/recall, latency of the bot."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--category", help="only articles of this category slug")
        parser.add_argument("--language", choices=["vi", "en"], help="only articles in it")
        parser.add_argument("--threshold", type=float, help="answer threshold (default: settings)")
        parser.add_argument("--margin", type=float, help="clarify margin (default: settings)")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, file, category, language, threshold, margin, json, **options):
        try:
            questions = evaluation.read_questions(file)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        if not questions:
            raise CommandError(f"{file} has no questions.")
        indexing.refresh_pending(limit=1_000_000)
        started = time.perf_counter()
        index = bot.MatchIndex(bot.load_entries(category_slug=category))
        built = time.perf_counter() - started
        if not index.entries:
            raise CommandError("The knowledge base has no published article to match against.")
        overrides = {}
        if threshold is not None:
            overrides["CIM_BOT_ANSWER_THRESHOLD"] = threshold
        if margin is not None:
            overrides["CIM_BOT_CLARIFY_MARGIN"] = margin
        with override_settings(**overrides):
            report = evaluation.evaluate(
                questions, index=index, index_seconds=built, language=language
            )
        if json:
            self.stdout.write(_dumps(asdict(report)))
            return
        self.stdout.write(f"{file}: {len(index.entries)} articles")
        for line in report.lines():
            self.stdout.write(line)


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2)
