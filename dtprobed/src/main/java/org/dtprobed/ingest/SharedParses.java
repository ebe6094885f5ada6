package org.dtprobed.ingest;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Parses in flight, by parse-cache key: a registration whose DOF is being parsed for another one
 * waits for that parse instead of starting its own (issue 13: two processes registering the same
 * DOF at once parsed it twice). Only the wait is shared; each waiter then goes its own way
 * (commit, or refusal with the same errno).
 */
final class SharedParses<K, V> {
    /** A result, and whether it came from another registration's parse. */
    record Result<V>(V value, boolean shared) {
    }

    private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();

    Result<V> run(K key, Supplier<V> work) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return new Result<>(await(running), true);
        }
        try {
            V v = work.get();
            mine.complete(v);
            return new Result<>(v, false);
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    int inFlight() {
        return inFlight.size();
    }

    /** The parse is bounded by the supervisor's deadline; so is this wait. */
    private static <V> V await(CompletableFuture<V> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException r) {
                        throw r;
                    }
                    throw (Error) c;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
