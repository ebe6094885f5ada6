package org.dtprobed.parse;

import java.util.Objects;
import org.dtprobed.dof.DofRule;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.wire.EncodedParsedDof;

/** The answer to one parse: the parsed DOF, the parser's refusal, or no answer at all. */
public sealed interface ParseOutcome {
    /**
     * The DOF parsed (it may still carry policy violations), with the child's PARSED body it was
     * decoded from, which the stash stores as it came.
     */
    record Parsed(EncodedParsedDof result) implements ParseOutcome {
        public Parsed {
            Objects.requireNonNull(result, "result");
        }

        /** A result made in process (tests compare the child's answer with it, bytes included). */
        public Parsed(ParsedDof dof) {
            this(EncodedParsedDof.encode(dof));
        }

        public ParsedDof dof() {
            return result.dof();
        }
    }

    /**
     * The parser refused the DOF: the input is bad, no retry helps.
     *
     * @param message one log line, as the parser's {@code DofFormatException} had it
     */
    record Rejected(DofRule rule, int errno, int section, int probe, String message) implements ParseOutcome {
    }

    /**
     * No verdict on the DOF: every attempt failed (or none could be made).
     *
     * @param attempts how many times a child was given the DOF
     * @param message  what happened, attempt by attempt
     */
    record Failed(FailureReason reason, int errno, int attempts, String message) implements ParseOutcome {
    }
}
