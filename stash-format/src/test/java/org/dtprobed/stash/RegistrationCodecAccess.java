package org.dtprobed.stash;

/** Lets the size benchmark read one stored registration value's length. */
public final class RegistrationCodecAccess {
    private RegistrationCodecAccess() {
    }

    public static int valueSize(Stash s) {
        for (byte[] k : s.files().registrations.keySet()) {
            return s.files().registrations.get(k).length;
        }
        return 0;
    }
}
