package org.dtprobed.ingest;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Parses in flight, by parse-cache key: a registration whose DOF is being parsed for another one
 * waits for that parse instead of starting its own (issue 13: two processes registering the same
 * DOF at once parsed it twice). The first caller's entry stays until its {@code use} is done, that
 * is until its commit has put the result in the parse cache: a registration that comes between the
 * parse and that moment shares the result too. Only the result is shared; each caller then goes
 * its own way (commit, or refusal with the same errno).
 */
final class SharedParses<K, V> {
    /** A result, and whether it came from another registration's parse. */
    record Result<V>(V value, boolean shared) {
    }

    private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();

    /** What a caller does with the result (for the pipeline: commit, or refuse). */
    interface Use<V, T, E extends Exception> {
        T apply(Result<V> result) throws E;
    }

    <T, E extends Exception> T run(K key, Supplier<V> work, Use<V, T, E> use) throws E {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return use.apply(new Result<>(await(running), true));
        }
        try {
            V v;
            try {
                v = work.get();
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            }
            mine.complete(v);
            return use.apply(new Result<>(v, false));
        } finally {
            inFlight.remove(key, mine);
        }
    }

    Result<V> run(K key, Supplier<V> work) {
        return run(key, work, r -> r);
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
