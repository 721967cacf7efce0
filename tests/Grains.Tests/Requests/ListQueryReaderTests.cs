using EventsSubscriptions.Gateway.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Filters;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EventsSubscriptions.Grains.Tests.Requests;

/// <summary>A listing's query string read without HTTP: filters, sort and paging, and every error named by its parameter.</summary>
[Trait("Category", "Unit")]
public sealed class ListQueryReaderTests
{
    private static (SubscriptionListQuery? Query, IReadOnlyDictionary<string, string[]> Errors) Read(params (string Key, string Value)[] pairs)
    {
        var query = new QueryCollection(pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => new StringValues([.. g.Select(p => p.Value)])));
        var (read, errors) = ListQueryReader.Read(query);
        return (read, errors.ToDictionary());
    }

    [Fact]
    public void No_parameters_is_the_first_page_of_active_subscriptions()
    {
        var (query, errors) = Read();

        Assert.Empty(errors);
        Assert.Equal(new SubscriptionListQuery([], [], ListQueryReader.DefaultLimit, 0, false) with { Filters = query!.Filters, Sort = query.Sort }, query);
        Assert.Empty(query.Filters);
        Assert.Empty(query.Sort);
    }

    [Fact]
    public void Filters_sort_and_paging_are_read_in_order()
    {
        var (query, errors) = Read(("name:contains", "hr"), ("id:in", "1, 2,3"), ("status", "suspended"), ("sort", "-createdOn,name"),
            ("limit", "20"), ("offset", "40"), ("includeInactive", "true"));

        Assert.Empty(errors);
        Assert.Equal((20, 40, true), (query!.Limit, query.Offset, query.IncludeInactive));
        Assert.Contains(query.Filters, f => f is { Field: ListField.Name, Operator: FilterOperator.Contains } && f.Values.SequenceEqual(["hr"]));
        Assert.Contains(query.Filters, f => f is { Field: ListField.Id, Operator: FilterOperator.In } && f.Values.SequenceEqual(["1", "2", "3"]));
        Assert.Contains(query.Filters, f => f is { Field: ListField.Status, Operator: FilterOperator.Equal });
        Assert.Equal([new ListSort(ListField.CreatedOn, true), new ListSort(ListField.Name, false)], query.Sort);
    }

    [Fact]
    public void Dates_are_compared_as_instants()
    {
        var (query, errors) = Read(("createdOn:gte", "2026-11-01"));

        Assert.Empty(errors);
        Assert.Equal("2026-11-01T00:00:00.0000000+00:00", Assert.Single(query!.Filters).Values.Single());
    }

    [Fact]
    public void Every_bad_parameter_is_named_at_once_and_nothing_is_queried()
    {
        var (query, errors) = Read(("limit", "5000"), ("offset", "-1"), ("colour", "blue"), ("name:like", "x"), ("id", "seven"),
            ("createdOn:contains", "2026"), ("sort", "colour"), ("includeInactive", "maybe"), ("status:in", ""));

        Assert.Null(query);
        Assert.Equal(["colour", "createdOn:contains", "id", "includeInactive", "limit", "name:like", "offset", "sort", "status:in"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("1 to 1000", errors["limit"][0]);
        Assert.Contains("unknown operator", errors["name:like"][0]);
        Assert.Contains("is a date", errors["createdOn:contains"][0]);
    }
}
