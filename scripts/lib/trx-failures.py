#!/usr/bin/env python3
"""Prints the failed tests of .trx result files with their messages, so that the end of a test run
(often all that a CI log keeps) names what failed and why. Tests that failed with the same message
(a shared fixture that did not start fails every test that uses it) are listed under one message."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
FULL_MESSAGES = 3      # distinct messages printed at length
LONG, SHORT = 40, 4    # lines of a message printed at length, and otherwise
WIDTH = 400

groups = {}            # message -> (test names, our stack frames)
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        print(f"  (could not read {path}: {error})")
        continue
    for result in root.iter(NS + "UnitTestResult"):
        if result.get("outcome") not in ("Failed", "Error", "Timeout", "Aborted"):
            continue
        message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
        text = (message.text or "").strip() if message is not None else f"(outcome {result.get('outcome')}, no message)"
        trace = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}StackTrace")
        frames = [f.strip() for f in ((trace.text or "") if trace is not None else "").splitlines() if "EventsSubscriptions" in f]
        names, _ = groups.setdefault(text, ([], frames[:3]))
        names.append(f"{result.get('testName')} ({result.get('duration', '?')})")

for index, (text, (names, frames)) in enumerate(groups.items()):
    for name in names[:10]:
        print(f"  FAILED {name}")
    if len(names) > 10:
        print(f"  … and {len(names) - 10} more with the same message")
    lines = text.splitlines()
    keep = LONG if index < FULL_MESSAGES else SHORT
    for line in lines[:keep]:
        print(f"      {line[:WIDTH]}")
    if len(lines) > keep:
        print(f"      … ({len(lines) - keep} more lines)")
    for frame in frames:
        print(f"      {frame[:WIDTH]}")
