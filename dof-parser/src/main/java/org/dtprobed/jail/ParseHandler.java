package org.dtprobed.jail;

import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.ParsedDof;

/** What the child does with one request; production parses, test entry points may wrap it. */
@FunctionalInterface
public interface ParseHandler {
    ParsedDof handle(ParseRequest request) throws DofFormatException;
}
