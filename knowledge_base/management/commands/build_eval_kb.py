"""manage.py build_eval_kb DATASET [--out FILE]: a knowledge base from a public set's training
split, written into the current database (category eval-DATASET, replaced each time), and the
development questions as question,expected CSV for evaluate_bot."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from knowledge_base import evaluation, indexing


class Command(BaseCommand):
    help = "Build an evaluation KB from a public data set's training split (see docs/bot.md)."

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=evaluation.DATASETS)
        parser.add_argument(
            "--out", type=Path, help="question CSV (default /tmp/cim-eval-DATASET.csv)"
        )
        parser.add_argument(
            "--phrasings",
            type=int,
            default=10,
            help="training questions kept per intent as alternative phrasings (0 = all)",
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--data-dir", type=Path, default=None)
        parser.add_argument(
            "--no-search-index", action="store_true", help="skip indexing for search pages"
        )

    def handle(self, *args, dataset, out, phrasings, seed, data_dir, no_search_index, **options):
        data = data_dir or evaluation.default_data_dir()
        if not data.is_dir():
            raise CommandError(f"No data folder at {data} (set --data-dir).")
        evalset = evaluation.LOADERS[dataset](data, phrasings, seed)
        category = evaluation.write_kb(dataset, evalset)
        if not no_search_index:
            indexing.refresh_pending(limit=1_000_000)
        out = out or Path(f"/tmp/cim-eval-{dataset}.csv")  # noqa: S108 - a scratch file by design
        evaluation.write_questions(evalset, out)
        self.stdout.write(
            f"{len(evalset.articles)} articles in category {category.slug}; "
            f"{len(evalset.questions)} questions written to {out}"
        )
