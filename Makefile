# pqcha — a thin wrapper around CMake. The two commands a newcomer needs:
#   make demo    generate a key, attest a model file, verify, tamper, verify again;
#                then verify a real SEV-SNP report and TDX quote against the shipped roots;
#                then an agent reports a live process to pqcha serve (dashboard screenshots),
#                and an auditor mirrors the verifier's transparency log and audits it
#   make check   build and run every test (unit, integration, interop, ASan+UBSan, fuzz)
#   make format  apply the house style (.clang-format) to every C file
#   make bench   measure hashing, attest/verify, ML-DSA, the server and the Python binding
#                side by side (docs/PERFORMANCE.md)
# Both install missing Debian packages (as root) and, on systems whose OpenSSL
# is older than 3.5, build a private static libcrypto 3.5 into ~/.cache/pqcha.

BUILD ?= build
MAKEFLAGS += --no-print-directory
PREFIX ?= /usr/local

.PHONY: all build deps demo check bench install format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@scripts/build.sh $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

demo: build
	@scripts/demo.sh $(BUILD)/pqcha
	@scripts/demo-evidence.sh $(BUILD)/pqcha
	@scripts/demo-service.sh $(BUILD)/pqcha

bench: build
	@scripts/install-deps.sh --bench || echo "bench: b3sum missing; its rows are skipped" >&2
	@$(BUILD)/pqcha_bench $(BENCH_ARGS)
	@echo
	@PQCHA_PG_DURABLE=1 tests/service/with_postgres.sh $(BUILD)/pqcha_bench_server $(SERVER_BENCH_ARGS)
	@echo
	@/usr/bin/python3 bench/python_bench.py --build $(BUILD)

check: deps
	@scripts/check.sh

# Installs into $(PREFIX) (default /usr/local), whatever prefix $(BUILD) was
# configured with before: libpqcha.pc is written at install time for the
# prefix installed to. DESTDIR=/stage stages the install (packaging) with the
# paths still those of $(PREFIX).
install: build
	DESTDIR="$(DESTDIR)" cmake --install "$(BUILD)" --prefix "$(PREFIX)"

format:
	@scripts/format.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz
