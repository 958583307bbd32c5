package postgres_test

import (
	"context"
	"maps"
	"testing"
	"time"
)

func TestClassifiersSavedForEveryReplica(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	if got, err := s.Classifiers(ctx); err != nil || len(got) != 0 {
		t.Fatalf("before training: %v, %v; want none", got, err)
	}
	first := map[string][]byte{"category": []byte("model c1"), "priority": []byte("model p1")}
	if err := s.SaveClassifiers(ctx, first, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveClassifiers(ctx, map[string][]byte{"category": []byte("model c2")}, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"category": []byte("model c2"), "priority": []byte("model p1")}
	got, err := s.Classifiers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Errorf("classifiers %q, want %q (category retrained, priority kept)", got, want)
	}
}
