package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// result is one output file of run.sh: the command that produced it and,
// per benchmark name and unit, every value reported (one per -count).
type result struct {
	command string
	values  map[string]map[string][]float64
	lines   []string // the lines that are not benchmark rows (e2e rows)
}

func readResult(dir, name string) (*result, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &result{values: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "# command: "); ok {
			r.command = c
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			r.lines = append(r.lines, line)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 {
			continue
		}
		bench := fields[0]
		if i := strings.LastIndexByte(bench, '-'); i > 0 {
			bench = bench[:i] // the GOMAXPROCS suffix
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			if r.values[bench] == nil {
				r.values[bench] = map[string][]float64{}
			}
			r.values[bench][fields[i+1]] = append(r.values[bench][fields[i+1]], v)
		}
	}
	return r, sc.Err()
}

// median of the runs of bench in unit; ok is false when there were none.
func (r *result) median(bench, unit string) (float64, bool) {
	if r == nil {
		return 0, false
	}
	return median(r.values[bench][unit])
}

func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}
