# steps serve against real clients (e2e/serve/): Letta's own TypeScript
# client, and the page in headless Chromium. Each fills a fresh SQLite store
# by replaying the fixtures through the built collector first.

.PHONY: serve-letta serve-browser

serve-letta: build steps
	bash scripts/node.sh
	cd e2e/serve && npm ci --no-audit --no-fund --loglevel=error
	node e2e/serve/letta.mjs

TEST_TARGETS += serve-letta

# The page in Debian's chromium (scripts/chromium.sh installs it when
# missing), driven by playwright-core; the overview's screenshot goes to
# _build/steps-page.png (docs/steps-page.png is a copy of one).
serve-browser: build steps
	bash scripts/node.sh
	bash scripts/chromium.sh >/dev/null
	cd e2e/serve && npm ci --no-audit --no-fund --loglevel=error
	node e2e/serve/browser.mjs

TEST_TARGETS += serve-browser
