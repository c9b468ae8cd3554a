# Common tasks. `make setup` prepares the machine (see docs/setup.md).
ASSIGNMENT ?= cs189_hw2
# The reference solution of each assignment, submitted as a student would.
DEMO_cs189_hw2 = reference/cs189_hw2/hw2.py
DEMO_mit6390_nn = reference/mit6390_nn
DEMO_thu_dl_hw = reference/thu_dl_hw/q5.py
DEMO_cmu10601_hw5 = reference/cmu10601_hw5
SUBMISSION ?= $(DEMO_$(ASSIGNMENT))
PYTEST_ARGS ?=

.PHONY: setup test demo lint image clean up down status

setup:
	bash scripts/setup.sh

# Lint first (seconds), then the suite. pytest exits 5 when it collected no tests: that is
# a failure, say so.
test: setup lint
	@.venv/bin/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: FAILED: pytest collected no tests (exit 5)" >&2; fi; \
	exit $$rc

demo: setup
	.venv/bin/grader grade testcases/$(ASSIGNMENT) $(SUBMISSION)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

image:
	bash sandbox/image/build.sh

clean:
	rm -rf .venv .cache

# The local stack: Redis, the API and one Celery worker as background processes, pid files
# and logs in .run/ (GRADER_RUN_DIR). See docs/service.md.
up: setup
	bash scripts/up.sh

down:
	bash scripts/down.sh

# Informational: always succeeds (scripts/status.sh itself exits 3 unless all three run).
status:
	@bash scripts/status.sh || true

# The JSON Schema of assignment.yaml, generated from grader/spec; tests/unit/test_schema.py
# fails when the committed file differs from it.
.PHONY: schema
schema:
	.venv/bin/grader schema -o docs/assignment.schema.json
