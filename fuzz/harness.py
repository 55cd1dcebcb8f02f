"""What every kyso fuzzer shares: command line, seed corpus, libFuzzer flags, crash rules.

A harness is a script: ``python fuzz/<name>.py --seconds 60``. It instruments kyso's own
packages, writes its seeds into a work folder and hands over to libFuzzer through atheris.
Libraries are instrumented only where it is cheap (measured by replaying one corpus):
pyHanko makes each verification 1.6 times slower, with asn1crypto and pikepdf 2.3 times,
so the verifier's harness leaves them out; Pillow costs the OCR harness about 3% and its
format plugins are the Python that reads image headers, so that harness includes it.
``--instrument`` chooses otherwise for a longer run.

A crash is whatever escapes the harness's ``test_one_input``: any exception that is not
kyso's own ``KysoError`` tree or the documented outcome, an input that runs longer than
``--timeout`` seconds, or a process that grows beyond ``--rss-mb``. libFuzzer then writes the
input to ``<workdir>/<name>-crash-*`` (or ``-timeout-*``, ``-oom-*``) and exits non-zero;
the file replays with ``python fuzz/<name>.py <file>``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import atheris

#: kyso's packages under test; the rest of the process is not instrumented
KYSO_PACKAGES = ("common", "certs", "signing", "verify", "ocr", "archive")
#: modules left uninstrumented: atheris 3.0 leaks the result of every comparison of numpy
#: arrays it traces (about 1 MB a page here; measured: 700 MB after 750 inputs), and these
#: numeric modules have no branches on the input's structure worth the coverage
NOT_INSTRUMENTED = ("ocr.preprocess", "verify.visual")
#: git-ignored: the corpus grows from one ``make fuzz`` to the next
DEFAULT_WORKDIR = Path(__file__).resolve().parent.parent / "var" / "fuzz"


def parse(
    description: str, argv: Sequence[str], libraries: Sequence[str] = ()
) -> tuple[argparse.Namespace, list[str]]:
    """The harness's options; ``libraries`` are instrumented besides kyso by default."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=60, help="total fuzzing time")
    parser.add_argument("--runs", type=int, default=-1, help="stop after this many inputs")
    parser.add_argument("--timeout", type=int, default=20, help="seconds one input may take")
    parser.add_argument("--rss-mb", type=int, default=2048, help="memory bound of the process")
    parser.add_argument("--max-len", type=int, default=64 * 1024, help="largest input, bytes")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="corpus (kept between runs) and crash files",
    )
    parser.add_argument(
        "--instrument",
        default=",".join((*KYSO_PACKAGES, *libraries)),
        help="comma-separated top-level packages to instrument ('' for none)",
    )
    parser.add_argument(
        "--exclude",
        default=",".join(NOT_INSTRUMENTED),
        help="comma-separated modules left uninstrumented",
    )
    # anything else goes to libFuzzer: -jobs=N, -dict=..., or input files to replay
    return parser.parse_known_args(argv)


def instrumented(args: argparse.Namespace) -> contextlib.AbstractContextManager[object]:
    names = [name for name in args.instrument.split(",") if name]
    if not names:
        return contextlib.nullcontext()
    excluded = [name for name in args.exclude.split(",") if name]
    return atheris.instrument_imports(include=names, exclude=excluded)


def quiet_logs() -> None:
    """Hostile input makes libraries log and warn by the thousand: keep the output readable."""
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")


def fuzz(
    name: str,
    args: argparse.Namespace,
    extra: list[str],
    seeds: Callable[[], dict[str, bytes]],
    test_one_input: Callable[[bytes], None],
) -> None:
    """Write the seeds, then run libFuzzer (which exits the process when done).

    Files among ``extra`` are replayed once each (a crash found earlier); other ``-flags``
    go to libFuzzer as they are.
    """
    work: Path = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    replay = [arg for arg in extra if not arg.startswith("-")]
    flags = [arg for arg in extra if arg.startswith("-")]
    folders: list[str] = []
    if not replay:
        corpus, seed_dir = work / f"{name}-corpus", work / f"{name}-seeds"
        corpus.mkdir(exist_ok=True)
        seed_dir.mkdir(exist_ok=True)
        for file, data in seeds().items():
            (seed_dir / file).write_bytes(data)
        folders = [str(corpus), str(seed_dir)]  # libFuzzer adds new inputs to the first
    libfuzzer = [
        sys.argv[0],
        f"-max_total_time={args.seconds}",
        f"-timeout={args.timeout}",
        # a slow input is reported (slow-unit-*) only where it nears the timeout: below that,
        # on a shared machine, "slow" measures the other processes, not kyso
        f"-report_slow_units={args.timeout}",
        f"-rss_limit_mb={args.rss_mb}",
        f"-max_len={args.max_len}",
        f"-artifact_prefix={work}/{name}-",
        "-print_final_stats=1",
        *([f"-runs={args.runs}"] if args.runs >= 0 else []),
        *flags,
        *folders,
        *replay,
    ]
    print(f"kyso fuzz {name}: {' '.join(libfuzzer[1:])}", flush=True)
    atheris.Setup(libfuzzer, test_one_input)
    atheris.Fuzz()
