package org.dtprobed.query;

/**
 * Receives index changes in order. Called while the index is locked, so it must only hand the
 * event on (e.g. to a bounded queue) and never block.
 */
@FunctionalInterface
public interface IndexListener {
    void onEvent(IndexEvent event);
}
