package org.dtprobed.ingest;

import org.dtprobed.query.ProbeIndex;

/**
 * Fair shares of the stash (issue 19, attack 4: one process held all 8,192 registrations, and
 * root and every other user got ENOSPC while it lived). A uid other than root holds at most
 * {@code perUid} registrations, and all of them together leave {@code rootReserve} free for root;
 * beyond either, a registration is refused with EDQUOT. Counted from the index, which follows
 * the stash through every removal (REMOVE, exit, exec, pruning).
 *
 * @param perUid      registrations one non-root uid may hold; 0: no limit
 * @param total       registrations the stash is sized for ({@code --max-registrations})
 * @param rootReserve registrations only root may take
 */
public record RegistrationQuota(int perUid, int total, int rootReserve) {
    public RegistrationQuota {
        if (perUid < 0 || total < 0 || rootReserve < 0 || rootReserve > total) {
            throw new IllegalArgumentException("quota: perUid " + perUid + ", total " + total + ", reserve " + rootReserve);
        }
    }


    public static RegistrationQuota none() {
        return new RegistrationQuota(0, 0, 0);
    }

    /** Why this uid may not register one more, or null when it may. */
    String refusal(int uid, ProbeIndex index) {
        if (uid == 0) {
            return null;
        }
        if (perUid > 0) {
            int mine = index.registrationCount(uid);
            if (mine >= perUid) {
                return "uid " + uid + " holds " + mine + " registrations, its quota is " + perUid;
            }
        }
        if (rootReserve > 0 && index.registrationCount() >= total - rootReserve) {
            return "the stash holds " + index.registrationCount() + " of " + total + " registrations; the last "
                    + rootReserve + " are kept for root";
        }
        return null;
    }
}
