//go:build race

package storage_test

// raceDetector is set when the tests run under -race, which makes every save
// many times slower: contention tests then use fewer writers.
const raceDetector = true
