# The README's quick tour, run as written (scripts/tour.sh reads its
# commands from README.md): make run, steps replay, steps list, and the
# steps must appear within the processor's wait plus a few seconds. It needs
# the tour's fixed ports (4317, 4318, 13133, 8888, 9464, 8283) free.

.PHONY: tour

TEST_TARGETS += tour

tour: build steps
	bash scripts/tour.sh
