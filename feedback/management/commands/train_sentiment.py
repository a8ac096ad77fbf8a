"""manage.py train_sentiment FILE.csv — trains a sentiment model on the business's own labelled
messages (columns text,label) and stores it where the analyser loads it
(CIM_SENTIMENT_MODEL_PATH). With CIM_SENTIMENT_ANALYSER=auto (the default) it is used from then
on; delete the file to go back to the built-in lexicon.

Train only on text you may use: the research-only sets in shared/data must not be used to train
a model the product ships."""

import json
import random
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feedback.sentiment import model_path
from feedback.sentiment.evaluation import evaluate, read_text_label_csv
from feedback.sentiment.trained import NaiveBayesAnalyser, train


class Command(BaseCommand):
    help = "Trains a sentiment model on a text,label CSV and installs it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--output", help="where to write the model (default: the setting)")
        parser.add_argument(
            "--holdout",
            type=float,
            default=0.0,
            help="share of rows kept apart to report accuracy on (e.g. 0.2)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist")
        try:
            rows = list(read_text_label_csv(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        holdout = options["holdout"]
        if not 0 <= holdout < 1:
            raise CommandError("--holdout is a share between 0 and 1")
        test: list[tuple[str, str]] = []
        if holdout:
            random.Random(42).shuffle(rows)  # noqa: S311 - a split, not a secret
            cut = int(len(rows) * holdout)
            test, rows = rows[:cut], rows[cut:]
        version = f"trained-{timezone.now():%Y%m%d%H%M%S}"
        try:
            model = train(rows, version=version)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["output"]) if options["output"] else model_path()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
        tmp.replace(out)  # atomic: a worker never loads half a file
        self.stdout.write(f"trained {version} on {len(rows)} rows {model['examples']} → {out}")
        if test:
            report = evaluate(NaiveBayesAnalyser(model), test)
            self.stdout.write(f"held-out rows ({len(test)}):")
            self.stdout.write(report.render())
