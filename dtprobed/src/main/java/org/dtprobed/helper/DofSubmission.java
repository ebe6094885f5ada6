package org.dtprobed.helper;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHeaderValidator;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.linux.Errno;

/**
 * The steps both transports share once bytes have arrived: decode the helper, validate the DOF
 * header once (the only size ever used afterwards is this copy's load size, reference §2.3 TOCTOU
 * note), check that the fetched DOF starts with the very header that was validated, and hand the
 * request over.
 */
final class DofSubmission {
    private final HelperRequests requests;
    private final DofHeaderValidator validator;

    private RefusalLog refusals;

    DofSubmission(HelperRequests requests, DofLimits limits) {
        this.requests = requests;
        this.validator = new DofHeaderValidator(limits);
    }

    /** One limiter per transport, writing through that transport's logger. */
    private synchronized RefusalLog refusals(org.slf4j.Logger log) {
        if (refusals == null) {
            refusals = RefusalLog.standard(log);
        }
        return refusals;
    }

    /**
     * The failed ioctl's reply: counted, and logged in one line unless the pipeline, which knows
     * the pid and module, has logged it.
     */
    IoctlReply.Failure refusal(IoctlRequest r, HelperException e, org.slf4j.Logger log) {
        requests.refused(e.label(), e.errno());
        if (e.isLogged()) {
            log.debug("tid {}: ioctl {} refused with errno {}: {}", r.tid(), HelperIoctl.hex(r.cmd()), e.errno(),
                    e.getMessage());
        } else {
            refusals(log).warn(r.uid(), "tid {} (uid {}): ioctl {} refused with errno {}: {}", r.tid(), r.uid(),
                    HelperIoctl.hex(r.cmd()), e.errno(), e.getMessage());
        }
        return new IoctlReply.Failure(e.errno(), e.getMessage());
    }

    static DofHelper helper(byte[] in) throws HelperException {
        if (in.length != DofHelper.SIZE) {
            throw new HelperException(Errno.EINVAL,
                    "helper size incorrect: " + in.length + " bytes, dof_helper_t is " + DofHelper.SIZE);
        }
        try {
            return DofHelper.decode(ByteBuffer.wrap(in));
        } catch (DofFormatException e) {
            throw new HelperException(e.errno(), "bad dof_helper_t: " + e.getMessage(), e);
        }
    }

    /** Validates the 64 header bytes; the result's load size bounds every later allocation. */
    DofHeader header(byte[] first64) throws HelperException {
        try {
            return validator.validate(ByteBuffer.wrap(first64));
        } catch (DofFormatException e) {
            throw new HelperException(e.errno(), "bad DOF header: " + e.getMessage(), e);
        }
    }

    /** @return the generation as the ioctl result */
    int submit(Caller caller, DofHelper helper, byte[] validatedHeader, DofHeader header, byte[] dof)
            throws HelperException {
        if (dof.length != header.loadSize()) {
            throw new HelperException(Errno.EINVAL, "fetched " + dof.length + " bytes, load size is " + header.loadSize());
        }
        if (!Arrays.equals(dof, 0, DofHeader.SIZE, validatedHeader, 0, DofHeader.SIZE)) {
            throw new HelperException(Errno.EINVAL, "DOF header changed between the two reads");
        }
        long gen = requests.addDof(caller, helper, header, dof);
        if (gen < 0 || gen > Integer.MAX_VALUE) {
            throw new HelperException(Errno.EOVERFLOW, "generation " + gen + " does not fit the ioctl result");
        }
        return (int) gen;
    }

    void remove(Caller caller, long generation) throws HelperException {
        requests.remove(caller, generation);
    }
}
