package org.dtprobed.jail;

import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.dof.wire.ParsedDofCodec;
import java.io.IOException;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.dof.ParsedDof;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's side of the pipe: one request frame in, exactly one reply frame out. A DOF the
 * parser refuses is an answer (REJECTED), not an error; anything else thrown means the child itself
 * is in doubt, so it answers FAULT and the caller exits.
 */
final class RequestLoop {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLoop.class);

    /** Why the loop ended. */
    enum End { END_OF_INPUT, FAULT }

    private final ParseHandler handler;
    private final int maxRequestBody;

    RequestLoop(ParseHandler handler, DofLimits limits) {
        this.handler = handler;
        this.maxRequestBody = ParseRequest.maxBodyLength(limits.maxLoadSize());
    }

    int maxRequestBody() {
        return maxRequestBody;
    }

    /** Serves until the parent closes the pipe or a request faults. */
    End serve(FrameReader in, FrameWriter out) throws IOException {
        while (true) {
            Frame f = in.read();
            if (f == null) {
                return End.END_OF_INPUT;
            }
            if (!serveOne(f, out)) {
                return End.FAULT;
            }
        }
    }

    /** Answers one frame; false when it answered FAULT. */
    boolean serveOne(Frame f, FrameWriter out) throws IOException {
        if (f.type() != FrameType.PARSE_REQUEST) {
            throw new WireFormatException("expected " + FrameType.PARSE_REQUEST + ", got " + f.type());
        }
        ParseRequest request = ParseRequest.decode(f.bodyBuffer());
        byte[] reply;
        FrameType type;
        try {
            ParsedDof parsed = handler.handle(request);
            reply = ParsedDofCodec.encode(parsed);
            type = FrameType.PARSED;
        } catch (DofFormatException e) {
            reply = Rejection.of(e).encode();
            type = FrameType.REJECTED;
        } catch (RuntimeException | Error e) {
            // OutOfMemoryError, StackOverflowError or a parser bug: report it, then let the parent replace us
            ChildFault fault = ChildFault.of(e);
            LOG.error("request {} (pid {}): {}: {}", f.requestId(), request.pid(), fault.kind(), fault.message());
            out.write(FrameType.FAULT, f.requestId(), fault.encode());
            return false;
        }
        out.write(type, f.requestId(), reply);
        return true;
    }
}
