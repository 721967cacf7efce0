using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Tests.Filters;

[Trait("Category", "Unit")]
public sealed class UserFilterParserTests
{
    [Theory]
    [InlineData("""{"name": "Ann"}""", "name", FilterOperator.Equal, "Ann")]
    [InlineData("""{"name:not": "Ann"}""", "name", FilterOperator.NotEqual, "Ann")]
    [InlineData("""{"status:in": "A, B,C"}""", "status", FilterOperator.In, "A|B|C")]
    [InlineData("""{"status:in": ["A", 2, true]}""", "status", FilterOperator.In, "A|2|true")]
    [InlineData("""{"name:contains": "nn"}""", "name", FilterOperator.Contains, "nn")]
    [InlineData("""{"name:startsWith": "A"}""", "name", FilterOperator.StartsWith, "A")]
    [InlineData("""{"name:ENDSWITH": "n"}""", "name", FilterOperator.EndsWith, "n")]
    [InlineData("""{"salary:gt": 1000}""", "salary", FilterOperator.GreaterThan, "1000")]
    [InlineData("""{"salary:gte": "1000.5"}""", "salary", FilterOperator.GreaterOrEqual, "1000.5")]
    [InlineData("""{"hiredOn:lt": "2024-01-31"}""", "hiredOn", FilterOperator.LessThan, "2024-01-31")]
    [InlineData("""{"hiredOn:lte": "2024-01-31T10:00:00Z"}""", "hiredOn", FilterOperator.LessOrEqual, "2024-01-31T10:00:00Z")]
    [InlineData("""{"hiredOn:before": "2024-01-31 10:00:00"}""", "hiredOn", FilterOperator.Before, "2024-01-31 10:00:00")]
    [InlineData("""{"hiredOn:after": "2024-01-31T10:00:00+02:00"}""", "hiredOn", FilterOperator.After, "2024-01-31T10:00:00+02:00")]
    [InlineData("""{"hiredOn:between": "2024-01-01|2024-12-31"}""", "hiredOn", FilterOperator.Between, "2024-01-01|2024-12-31")]
    [InlineData("""{"address.city": "Montréal"}""", "address.city", FilterOperator.Equal, "Montréal")]
    [InlineData("""{"0": "address:isNull"}""", "address", FilterOperator.IsNull, "")]
    [InlineData("""{"1": "address.city:isNotNull"}""", "address.city", FilterOperator.IsNotNull, "")]
    public void A_valid_filter_is_parsed(string json, string path, FilterOperator op, string values)
    {
        var errors = new Dictionary<string, List<string>>();

        var parsed = UserFilterParser.Parse(JsonDocument.Parse(json).RootElement, "userDefinedFilters", errors);

        Assert.Empty(errors);
        var condition = Assert.Single(parsed!.Conditions);
        Assert.Equal(path, condition.Path);
        Assert.Equal(op, condition.Operator);
        Assert.Equal(values, string.Join('|', condition.Values));
        Assert.Equal(JsonDocument.Parse(json).RootElement.EnumerateObject().Single().Name, condition.Key);
    }

    [Theory]
    [InlineData("""{"skills:inSet": "a,b"}""", true, "a|b")]
    [InlineData("""{"skills:inSet": "a|b"}""", false, "a|b")]
    public void InSet_tells_all_from_any(string json, bool matchAll, string values)
    {
        var errors = new Dictionary<string, List<string>>();

        var condition = UserFilterParser.Parse(JsonDocument.Parse(json).RootElement, "f", errors)!.Conditions.Single();

        Assert.Equal(matchAll, condition.MatchAll);
        Assert.Equal(values, string.Join('|', condition.Values));
    }

    [Theory]
    [InlineData("""{"salary:approx": 1}""", "f.salary:approx", "unknown operator")]
    [InlineData("""{"salary:gt": "many"}""", "f.salary:gt", "neither a number nor a date")]
    [InlineData("""{"hiredOn:before": "2024-13-45"}""", "f.hiredOn:before", "not a date")]
    [InlineData("""{"hiredOn:after": 5}""", "f.hiredOn:after", "not a date")]
    [InlineData("""{"hiredOn:between": "2024-01-01"}""", "f.hiredOn:between", "separated by '|'")]
    [InlineData("""{"hiredOn:between": "2024-01-01|5"}""", "f.hiredOn:between", "separated by '|'")]
    [InlineData("""{"status:in": ""}""", "f.status:in", "empty list member")]
    [InlineData("""{"status:in": []}""", "f.status:in", "list is empty")]
    [InlineData("""{"status:in": [{"a": 1}]}""", "f.status:in", "not a string")]
    [InlineData("""{"name": null}""", "f.name", "needs a string")]
    [InlineData("""{"name": {"a": 1}}""", "f.name", "needs a string")]
    [InlineData("""{"name:contains": ""}""", "f.name:contains", "needs a value")]
    [InlineData("""{"0": "address:isEmpty"}""", "f.0", "not a value-less filter")]
    [InlineData("""{"0": 5}""", "f.0", "value-less filter as a string")]
    [InlineData("""{"address:isNull": true}""", "f.address:isNull", "numeric key")]
    [InlineData("""{"a..b": "x"}""", "f.a..b", "not a field path")]
    [InlineData("""{"skills:inSet": "a,,b"}""", "f.skills:inSet", "empty set member")]
    public void A_bad_filter_is_an_error_naming_its_key(string json, string key, string message)
    {
        var errors = new Dictionary<string, List<string>>();

        UserFilterParser.Parse(JsonDocument.Parse(json).RootElement, "f", errors);

        Assert.Equal([key], errors.Keys);
        Assert.Contains(message, errors[key].Single());
    }

    [Fact]
    public void Every_filter_is_kept_and_the_object_as_written()
    {
        const string json = """{"a": "1", "b:gt": 2, "0": "c:isNull"}""";
        var errors = new Dictionary<string, List<string>>();

        var parsed = UserFilterParser.Parse(JsonDocument.Parse(json).RootElement, "f", errors)!;

        Assert.Equal(["a", "b:gt", "0"], parsed.Conditions.Select(c => c.Key));
        Assert.Equal(json, parsed.Json);
    }
}
