namespace EventsSubscriptions.Grains.Persistence;

/// <summary>How the database refused a write: for what it carried, or because it could not be reached.</summary>
public static class DatabaseFaults
{
    /// <summary>
    /// Whether the database refused the statement for the data it carried (SQLSTATE classes 21, 22,
    /// 23, 54). A row whose day has no partition of the delivery log yet (23514, "no partition of
    /// relation") is not: every row of that day fails alike until the partition is made, as in an outage.
    /// </summary>
    public static bool IsItemFault(Exception e) =>
        e is PostgresException { SqlState: var state } pg && !IsMissingPartition(pg) && (state.StartsWith("22", StringComparison.Ordinal)
            || state.StartsWith("23", StringComparison.Ordinal) || state.StartsWith("54", StringComparison.Ordinal)
            || state.StartsWith("21", StringComparison.Ordinal));

    private static bool IsMissingPartition(PostgresException e) =>
        e.SqlState == PostgresErrorCodes.CheckViolation && e.MessageText.StartsWith("no partition of relation", StringComparison.Ordinal);
}
