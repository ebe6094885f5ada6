package org.dtprobed.query;

/**
 * Receives index changes in order. Called while the index is locked, so it must never wait for
 * anything that could wait for the index: a watcher hands the event on to a bounded queue; the
 * probes tree writes its files here, on purpose (local files on the state directory's file
 * system), because a tracer must find them before the registration is answered.
 */
@FunctionalInterface
public interface IndexListener {
    void onEvent(IndexEvent event);
}
