using Orleans.Configuration;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Interfaces.Text;
using NpgsqlTypes;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// The <c>subscription_list</c> table: written by subscription grains, read by listings. A
/// subscription's view is written with each change of its configuration; its health, which changes
/// with every attempt, is coalesced per subscription and written by <see cref="HealthProjection"/>
/// a moment later.
/// </summary>
public sealed class SubscriptionReadModel(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, HealthProjection healthWriter)
{
    /// <summary>The listing's copy of a subscription's health, written a moment later with others.</summary>
    public void ProjectHealth(long subscriptionId, SubscriptionHealth current) => healthWriter.Write(subscriptionId, current);

    /// <summary>The listing's copy of a subscription's health, written now.</summary>
    public Task ProjectHealthNowAsync(long subscriptionId, SubscriptionHealth current, CancellationToken cancellationToken = default) =>
        healthWriter.WriteNowAsync(subscriptionId, current, cancellationToken);

    public async Task UpsertAsync(SubscriptionView view, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO subscription_list AS l
                (service_id, id, custom_id, name, status, resource, created_on, updated_on, version, view, health_state, created_by, tenant)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (service_id, id) DO UPDATE
            SET custom_id = EXCLUDED.custom_id, name = EXCLUDED.name, status = EXCLUDED.status,
                resource = EXCLUDED.resource, created_on = EXCLUDED.created_on,
                updated_on = EXCLUDED.updated_on, version = EXCLUDED.version, view = EXCLUDED.view,
                health_state = EXCLUDED.health_state, created_by = EXCLUDED.created_by
            WHERE l.version <= EXCLUDED.version
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = view.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = StorableText.Clean(view.Spec.CustomId) });
        command.Parameters.Add(new NpgsqlParameter { Value = StorableText.Clean(view.Spec.Name) });
        command.Parameters.Add(new NpgsqlParameter { Value = WireText.Of(view.Status) });
        command.Parameters.Add(new NpgsqlParameter { Value = view.Spec.Resource });
        command.Parameters.Add(new NpgsqlParameter { Value = view.CreatedOn.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = view.UpdatedOn.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = view.Version });
        command.Parameters.Add(new NpgsqlParameter { Value = ReadModelJson.Storable(view), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = WireText.Of(view.Health.State) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)StorableText.CleanOrNull(view.CreatedBy) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = view.Tenant ?? Tenants.Default });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many subscriptions that are not archived a caller of a tenant created.</summary>
    public async Task<long> CountLiveByCallerAsync(string tenant, string caller, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT count(*) FROM subscription_list WHERE service_id = $1 AND tenant = $3 AND created_by = $2 AND {NotArchived}");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = caller });
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>How many subscriptions of a tenant are not archived.</summary>
    public async Task<long> CountLiveOfTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT count(*) FROM subscription_list WHERE service_id = $1 AND tenant = $2 AND {NotArchived}");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>A subscription's health as its delivery log tells it (see migration 0009), and since when every attempt failed.</summary>
    public async Task<(SubscriptionHealth Health, DateTimeOffset? FailingSince)> HealthFromLogAsync(
        long id, DateTimeOffset createdOn, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT state, consecutive_failures, last_success_on, last_failure_on, last_error, failing_since
            FROM subscription_health_from_log($1, $2, $3)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = createdOn.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        DateTimeOffset? At(int column) => reader.IsDBNull(column) ? null : new DateTimeOffset(reader.GetDateTime(column), TimeSpan.Zero);
        var health = new SubscriptionHealth(ParseHealth(reader.GetString(0)), reader.GetInt32(1), At(2), At(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), 0);
        return (health, At(5));
    }

    /// <summary>The subscriptions of one tenant's resource (<see cref="Tenants.Qualify"/>) that are not archived, as the read model holds them.</summary>
    public async Task<List<SubscriptionView>> LiveOfResourceAsync(string qualifiedResource, CancellationToken cancellationToken = default)
    {
        var (tenant, resource) = Tenants.Split(qualifiedResource);
        await using var command = dataSource.CreateCommand(
            $"SELECT view FROM subscription_list WHERE service_id = $1 AND tenant = $3 AND resource = $2 AND {NotArchived}");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var views = new List<SubscriptionView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            views.Add(JsonSerializer.Deserialize<SubscriptionView>(reader.GetString(0), ReadModelJson.Options)!);
        }
        return views;
    }

    /// <summary>A page of one tenant's subscriptions.</summary>
    public async Task<SubscriptionPage> ListAsync(string tenant, SubscriptionListQuery query, CancellationToken cancellationToken = default)
    {
        var where = new StringBuilder("service_id = $1 AND tenant = $2");
        var parameters = new List<NpgsqlParameter> { new() { Value = cluster.Value.ServiceId }, new() { Value = tenant } };
        if (!query.IncludeInactive && !query.Filters.Any(NamesArchived))
        {
            where.Append($" AND {NotArchived}");
        }
        foreach (var filter in query.Filters)
        {
            where.Append(" AND ").Append(Condition(filter, parameters));
        }

        long count;
        await using (var countCommand = dataSource.CreateCommand($"SELECT count(*) FROM subscription_list WHERE {where}"))
        {
            countCommand.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
            count = (long)(await countCommand.ExecuteScalarAsync(cancellationToken))!;
        }

        var order = string.Join(", ", query.Sort.Select(s => $"{Column(s.Field)} {(s.Descending ? "DESC" : "ASC")}").Append("id ASC"));
        var items = new List<SubscriptionView>();
        await using var command = dataSource.CreateCommand(
            $"SELECT view FROM subscription_list WHERE {where} ORDER BY {order} LIMIT {query.Limit} OFFSET {query.Offset}");
        command.Parameters.AddRange(parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(JsonSerializer.Deserialize<SubscriptionView>(reader.GetString(0), ReadModelJson.Options)!);
        }
        return new SubscriptionPage(count, [.. items]);
    }



    public static HealthState ParseHealth(string text) => Enum.Parse<HealthState>(text, ignoreCase: true);

    /// <summary>Written into the statements (not a parameter): the partial indexes of live subscriptions name this value.</summary>
    private static readonly string NotArchived = $"status <> '{WireText.Of(SubscriptionStatus.Archived)}'";

    private static bool NamesArchived(ListFilter filter) =>
        filter.Field == ListField.Status
        && filter.Operator is FilterOperator.Equal or FilterOperator.In
        && filter.Values.Any(v => WireText.Parse<SubscriptionStatus>(v) == SubscriptionStatus.Archived);

    private static string Column(ListField field) => field switch
    {
        ListField.Id => "id",
        ListField.CustomId => "custom_id",
        ListField.Name => "name",
        ListField.Status => "status",
        ListField.CreatedOn => "created_on",
        ListField.UpdatedOn => "updated_on",
        ListField.HealthState => "health_state",
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    private static string Condition(ListFilter filter, List<NpgsqlParameter> parameters)
    {
        var column = Column(filter.Field);
        string Add(object value)
        {
            parameters.Add(new NpgsqlParameter { Value = value });
            return $"${parameters.Count}";
        }
        object Typed(string value) => filter.Field switch
        {
            ListField.Id => long.Parse(value, CultureInfo.InvariantCulture),
            ListField.CreatedOn or ListField.UpdatedOn => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture).UtcDateTime,
            ListField.Status or ListField.HealthState => value.ToUpperInvariant(),
            _ => value,
        };
        string Like(string pattern) => $"{(filter.Field is ListField.Id ? "id::text" : column)} ILIKE {Add(pattern)} ESCAPE '\\'";
        var first = filter.Values[0];
        return filter.Operator switch
        {
            FilterOperator.Equal => $"{column} = {Add(Typed(first))}",
            FilterOperator.NotEqual => $"{column} <> {Add(Typed(first))}",
            FilterOperator.In => filter.Field switch
            {
                ListField.Id => $"{column} = ANY({Add(filter.Values.Select(v => (long)Typed(v)).ToArray())})",
                ListField.CreatedOn or ListField.UpdatedOn => $"{column} = ANY({Add(filter.Values.Select(v => (DateTime)Typed(v)).ToArray())})",
                _ => $"{column} = ANY({Add(filter.Values.Select(v => (string)Typed(v)).ToArray())})",
            },
            FilterOperator.Contains => Like($"%{EscapeLike(first)}%"),
            FilterOperator.StartsWith => Like($"{EscapeLike(first)}%"),
            FilterOperator.EndsWith => Like($"%{EscapeLike(first)}"),
            FilterOperator.GreaterThan => $"{column} > {Add(Typed(first))}",
            FilterOperator.GreaterOrEqual => $"{column} >= {Add(Typed(first))}",
            FilterOperator.LessThan => $"{column} < {Add(Typed(first))}",
            FilterOperator.LessOrEqual => $"{column} <= {Add(Typed(first))}",
            _ => throw new ArgumentOutOfRangeException(nameof(filter)),
        };
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
