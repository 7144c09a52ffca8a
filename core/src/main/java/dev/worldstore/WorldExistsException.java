package dev.worldstore;

/** A world that must not exist yet (the target of a fork) holds data or history. */
public final class WorldExistsException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;
    private final String worldId;

    public WorldExistsException(String worldId) {
        super(ErrorCode.ALREADY_EXISTS, "world '" + worldId + "' already exists (it holds data or history); fork into a new world id",
                null);
        this.worldId = worldId;
    }

    public String worldId() {
        return worldId;
    }
}
