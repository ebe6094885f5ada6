package org.dtprobed.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.OptionalInt;

/**
 * The {@code scan} op: examine processes that did not register themselves (org.dtprobed.adopt),
 * only those the caller may trace.
 */
@FunctionalInterface
public interface ScanService {
    /** A daemon without a scanner: the op answers that scanning is unavailable. */
    ScanService NONE = (pid, scope) -> null;

    /**
     * Scans the pid (or every process) within the scope; returns the report, or null when this
     * daemon does not scan.
     */
    ObjectNode scan(OptionalInt pid, Scope scope);
}
