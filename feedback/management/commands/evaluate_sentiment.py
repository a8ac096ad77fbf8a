"""manage.py evaluate_sentiment FILE — accuracy, macro-F1 and the confusion matrix of the
sentiment analyser on labelled text.

FILE is a CSV with columns text,label (negative/neutral/positive), or one of the development
sets in its own format, recognised by its header (or --format): UIT-ViSFD (n_star 1–2 negative,
3 neutral, 4–5 positive), a UIT-VSFC folder (sents.txt + sentiments.txt), the airline tweets."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from feedback.sentiment import LexiconAnalyser, get_analyser
from feedback.sentiment.evaluation import FORMATS, evaluate, guess_format


class Command(BaseCommand):
    help = "Scores the sentiment analyser on a labelled file (text,label CSV or a dev set)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV (text,label), ViSFD CSV, VSFC folder, airline CSV")
        parser.add_argument("--format", choices=["auto", *FORMATS], default="auto")
        parser.add_argument(
            "--analyser",
            choices=["configured", "lexicon"],
            default="configured",
            help="configured: what the product uses now (a trained model if one is set up)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        fmt = guess_format(path) if options["format"] == "auto" else options["format"]
        analyser = LexiconAnalyser() if options["analyser"] == "lexicon" else get_analyser()
        try:
            report = evaluate(analyser, FORMATS[fmt](path))
        except (OSError, UnicodeDecodeError, KeyError) as exc:
            raise CommandError(f"cannot read {path} as {fmt}: {exc}") from exc
        if not report.total:
            raise CommandError(f"no labelled rows in {path} (format {fmt})")
        self.stdout.write(f"file: {path} (format {fmt})\nanalyser: {analyser.version}")
        self.stdout.write(report.render())
