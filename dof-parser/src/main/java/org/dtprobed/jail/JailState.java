package org.dtprobed.jail;

/** What the child ended up with after {@link Jail#install}. */
public record JailState(boolean jailed, int uid, int gid) {
}
