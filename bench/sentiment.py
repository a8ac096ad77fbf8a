"""Sentiment figures: messages per second of the default analyser on one core, and accuracy /
macro-F1 / confusion matrix on the labelled development sets, when they are present.

    python -m bench.sentiment [--data ../shared/data/sentiment] [--seconds 3] [--out FILE.json]

Pure Python in one process, so the rate is one core's. No database is needed."""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment"

# Customer messages of the kind the product sees, short and long, vi/en, with teen-code and emoji.
SAMPLES = [
    "Nhân viên rất nhiệt tình, cảm ơn shop nhiều 👍",
    "Đơn hàng của tôi giao chậm quá, đã 5 ngày rồi mà vẫn chưa nhận được, rất thất vọng",
    "ko dc hài lòng lắm, sp bị lỗi màn hình, mong shop đổi giúp",
    "cho mình hỏi giờ mở cửa cuối tuần với ạ",
    "dich vu tot, giao hang nhanh, se ung ho tiep",
    "My order arrived damaged and nobody answers the phone. Terrible service!",
    "Thanks for the quick help, the issue is resolved :)",
    "Can I change the delivery address for order 12345?",
    "Máy dùng ok, pin trâu, camera hơi mờ khi chụp đêm nhưng nói chung là ổn",
    "still waiting on hold for 2 hours... seriously??? 😡",
]


def dev_sets(data: Path) -> dict[str, tuple[str, Path]]:
    return {
        "vi_visfd Dev.csv (stars 1–2/3/4–5)": ("visfd", data / "vi_visfd" / "Dev.csv"),
        "vi_vsfc dev": ("vsfc", data / "vi_vsfc" / "dev"),
        "en_airline dev.csv": ("airline", data / "en_airline" / "dev.csv"),
    }


def throughput(analyser: Any, texts: list[str], *, seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            analyser.analyse(text)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from feedback.sentiment.evaluation import FORMATS, evaluate
    from feedback.sentiment.lexicon import LexiconAnalyser

    analyser = LexiconAnalyser()
    results: dict[str, Any] = {"analyser": analyser.version}
    rate = throughput(analyser, SAMPLES, seconds=args.seconds)
    results["messages_per_second_one_core"] = round(rate)
    print(f"sentiment analyser {analyser.version}")
    print(f"{'short customer messages, one core':<40}{rate:>12,.0f} messages/s")
    results["dev_sets"] = {}
    for name, (fmt, path) in dev_sets(args.data).items():
        if not path.exists():
            print(f"{name:<40}{'(not present)':>12}")
            continue
        rows = list(FORMATS[fmt](path))
        start = time.perf_counter()
        report = evaluate(analyser, rows)
        elapsed = time.perf_counter() - start
        results["dev_sets"][name] = {
            "rows": report.total,
            "accuracy": round(report.accuracy, 4),
            "macro_f1": round(report.macro_f1, 4),
            "messages_per_second": round(report.total / elapsed),
            "confusion": report.matrix,
        }
        print(
            f"{name:<40}{report.total:>7} rows  accuracy {report.accuracy:.4f}  "
            f"macro-F1 {report.macro_f1:.4f}  {report.total / elapsed:,.0f}/s"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
