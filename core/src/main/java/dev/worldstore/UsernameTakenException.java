package dev.worldstore;

/** A registration asked for a username that another player holds (compared case-insensitively). */
public final class UsernameTakenException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    private final String username;

    public UsernameTakenException(String username) {
        super(ErrorCode.USERNAME_TAKEN, "username '" + username + "' is taken (usernames are unique, case-insensitive)", null);
        this.username = username;
    }

    public String username() {
        return username;
    }
}
