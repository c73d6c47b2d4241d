# Lambkin's Python runtime client: the process inside each execution environment that polls the
# Lambda Runtime API and calls the user's handler the way AWS Lambda's Python runtime does.
#
# Start it as:   /usr/bin/python3 -S <runtimeDir>/bootstrap.py      (cwd = task root, clean env)
#
# Flags (measured on the 2-core dev VM, `env -i`, median of 40 runs):
#   -S   REQUIRED for speed: skips `site` (11.2 ms -> 5.7 ms for `python3 -c 0`). It also keeps the
#        host's /usr/lib/python3/dist-packages off sys.path, as on AWS. The runtime rebuilds the
#        Lambda sys.path itself, processes *.pth files in the task root / layer dirs the way AWS
#        does, and restores the exit/quit/help builtins. Without -S everything still works (the
#        host site dirs are dropped from sys.path), only ~5 ms slower.
#   no -E/-I: the function's own PYTHON* variables (PYTHONPATH, PYTHONWARNINGS, PYTHONDONTWRITEBYTECODE,
#        PYTHONHASHSEED, ...) must keep working as on AWS. The platform passes a clean env anyway.
#   no -X frozen_modules=on: already the default of Debian's 3.11 (measured: no difference).
#   no -u: stdout/stderr are switched to line buffering and flushed before every result is posted
#        (print() output is in the pipe before the platform sees the result), cheaper than -u.
#   no -B: our own module (lambkin_runtime.py) must be byte-compiled once into __pycache__ (the
#        first start in a writable runtime dir does it; or `python3 -m compileall` at install;
#        without it every start spends ~10 ms compiling). This file is kept tiny because the
#        __main__ script is compiled on every start.
# Result: spawn -> first GET /next ~8 ms for a minimal handler (a bare raw-socket client: ~7 ms).
# More in README.md.
import lambkin_runtime

lambkin_runtime.main()
