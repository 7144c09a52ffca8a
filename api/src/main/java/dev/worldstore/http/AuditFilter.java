package dev.worldstore.http;

import dev.worldstore.ChangeRecord;
import dev.worldstore.Table;
import io.javalin.http.Context;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The filter of a world's audit log ({@link HistoryRoutes#worldHistory}): its {@code table},
 * {@code actor} and {@code origin} query parameters and which events they let through. Stateless.
 */
final class AuditFilter {
    /** The tables of a world's log, the audit log's {@code table} filter values. */
    private static final Set<Table> WORLD_TABLES = EnumSet.of(Table.PLAYER_STATES, Table.ENTITY_STATES, Table.WORLD_STATE,
            Table.APP_STORAGE);

    private AuditFilter() {
    }

    static String filter(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /** {@code table=entity_states,player_states}: the tables to include; every one when absent. */
    static Set<Table> tables(String param) {
        if (param == null || param.isBlank()) {
            return WORLD_TABLES;
        }
        Set<Table> out = EnumSet.noneOf(Table.class);
        for (String name : param.split(",")) {
            Table t = null;
            try {
                t = Table.fromWireName(name.trim());
            } catch (IllegalArgumentException e) {
                // reported below
            }
            if (t == null || !WORLD_TABLES.contains(t)) {
                throw ApiProblem.invalidArgument("table", "must be one or more (comma-separated) of player_states, entity_states, "
                        + "world_state, app_storage; was '" + param + "'");
            }
            out.add(t);
        }
        return out;
    }

    /** An event matches when its actor and origin do and, for a batch, any of its changes is of a wanted table. */
    static boolean matches(List<ChangeRecord> event, Set<Table> tables, String actor, String origin) {
        ChangeRecord first = event.get(0);
        return event.stream().anyMatch(r -> tables.contains(r.key().table())) && (actor == null || actor.equals(first.actor()))
                && (origin == null || origin.equals(first.origin()));
    }
}
