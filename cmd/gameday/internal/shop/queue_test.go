package shop

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestQueueBound(t *testing.T) {
	q := newQueue(2)
	if !q.push(Order{ID: "a"}) || !q.push(Order{ID: "b"}) {
		t.Fatal("push into a queue with room failed")
	}
	if q.push(Order{ID: "c"}) || q.pushFront(Order{ID: "c"}) || !q.full() {
		t.Fatal("a full queue took another order")
	}
	ctx := context.Background()
	if o, _ := q.pop(ctx); o.ID != "a" {
		t.Fatalf("pop = %s, want a (FIFO)", o.ID)
	}
	if !q.pushFront(Order{ID: "a2"}) {
		t.Fatal("pushFront into a queue with room failed")
	}
	for _, want := range []string{"a2", "b"} {
		if o, _ := q.pop(ctx); o.ID != want {
			t.Fatalf("pop = %s, want %s", o.ID, want)
		}
	}
}

// pushWait gives up when its context is done, without adding the order.
func TestQueuePushWaitGivesUp(t *testing.T) {
	q := newQueue(1)
	q.push(Order{ID: "a"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if q.pushWait(ctx, Order{ID: "b"}) {
		t.Fatal("pushWait into a full queue succeeded")
	}
	if n := q.len(); n != 1 {
		t.Fatalf("len = %d after a push that gave up, want 1", n)
	}
}

// Every checkout waiting for room gets in as the workers make room, one
// order each, none lost and none twice.
func TestQueuePushWaitWakesEveryWaiter(t *testing.T) {
	const capacity, waiters = 3, 50
	q := newQueue(capacity)
	for range capacity {
		q.push(Order{ID: "first"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range waiters {
		wg.Go(func() {
			if !q.pushWait(ctx, Order{ID: "waiter"}) {
				t.Error("a waiting push was not taken")
			}
		})
	}
	got := 0
	for got < capacity+waiters {
		if _, ok := q.pop(ctx); !ok {
			t.Fatalf("popped %d orders before the deadline, want %d", got, capacity+waiters)
		}
		got++
	}
	wg.Wait()
	if n := q.len(); n != 0 {
		t.Fatalf("len = %d after every order was popped, want 0", n)
	}
}
