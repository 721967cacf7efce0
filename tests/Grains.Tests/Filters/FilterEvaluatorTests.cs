using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Tests.Filters;

[Trait("Category", "Unit")]
public sealed class FilterEvaluatorTests
{
    private const string Employee = """
        {
          "id": 12, "firstName": "Ann", "lastName": "O'Neil", "salary": 1500.5, "grade": "7", "active": true,
          "hiredOn": "2024-03-15", "updatedAt": "2024-03-15T10:30:00Z", "status": "ACTIVE",
          "skills": ["Forklift", "First-Aid"], "tags": "night,weekend",
          "address": { "city": "Montréal", "zip": null }, "manager": null
        }
        """;

    [Theory]
    // equals / not, case-insensitive strings, numbers, booleans
    [InlineData("""{"firstName": "ann"}""", true)]
    [InlineData("""{"firstName": "Bob"}""", false)]
    [InlineData("""{"salary": "1500.5"}""", true)]
    [InlineData("""{"salary": 1500.50}""", true)]
    [InlineData("""{"grade": 7}""", true)]
    [InlineData("""{"active": "true"}""", true)]
    [InlineData("""{"active": false}""", false)]
    [InlineData("""{"firstName:not": "Bob"}""", true)]
    [InlineData("""{"firstName:not": "ANN"}""", false)]
    [InlineData("""{"missing:not": "x"}""", true)]
    [InlineData("""{"missing": "x"}""", false)]
    // in
    [InlineData("""{"status:in": "active,on_leave"}""", true)]
    [InlineData("""{"status:in": ["ON_LEAVE", "TERMINATED"]}""", false)]
    [InlineData("""{"id:in": [11, 12]}""", true)]
    [InlineData("""{"skills:in": "forklift"}""", true)]
    // substrings
    [InlineData("""{"lastName:contains": "neil"}""", true)]
    [InlineData("""{"lastName:contains": "smith"}""", false)]
    [InlineData("""{"firstName:startsWith": "an"}""", true)]
    [InlineData("""{"firstName:endsWith": "NN"}""", true)]
    [InlineData("""{"firstName:endsWith": "a"}""", false)]
    [InlineData("""{"missing:contains": "a"}""", false)]
    // numbers
    [InlineData("""{"salary:gt": 1500}""", true)]
    [InlineData("""{"salary:gt": 1500.5}""", false)]
    [InlineData("""{"salary:gte": "1500.5"}""", true)]
    [InlineData("""{"salary:lt": 2000}""", true)]
    [InlineData("""{"salary:lte": 1500}""", false)]
    [InlineData("""{"grade:gt": 6}""", true)]
    [InlineData("""{"missing:lt": 5}""", false)]
    [InlineData("""{"firstName:gt": 5}""", false)]
    // dates in the TrackTik formats
    [InlineData("""{"hiredOn:after": "2024-03-14"}""", true)]
    [InlineData("""{"hiredOn:after": "2024-03-15"}""", false)]
    [InlineData("""{"hiredOn:before": "2024-03-16 00:00:00"}""", true)]
    [InlineData("""{"hiredOn:gte": "2024-03-15"}""", true)]
    [InlineData("""{"updatedAt:after": "2024-03-15T12:00:00+02:00"}""", true)]
    [InlineData("""{"updatedAt:before": "2024-03-15T10:30:00Z"}""", false)]
    [InlineData("""{"updatedAt:lt": "2024-03-15T10:30:01Z"}""", true)]
    [InlineData("""{"hiredOn:between": "2024-01-01|2024-03-15"}""", true)]
    [InlineData("""{"hiredOn:between": "2024-03-16|2024-12-31"}""", false)]
    [InlineData("""{"salary:between": "1000|1500.5"}""", true)]
    [InlineData("""{"salary:between": "1500.6|9999"}""", false)]
    [InlineData("""{"missing:between": "1|2"}""", false)]
    // sets
    [InlineData("""{"skills:inSet": "forklift,first-aid"}""", true)]
    [InlineData("""{"skills:inSet": "forklift,driving"}""", false)]
    [InlineData("""{"skills:inSet": "driving|first-aid"}""", true)]
    [InlineData("""{"skills:inSet": "driving|cooking"}""", false)]
    [InlineData("""{"tags:inSet": "weekend"}""", true)]
    // dotted paths, nulls
    [InlineData("""{"address.city": "MONTRÉAL"}""", true)]
    [InlineData("""{"address.city:startsWith": "mont"}""", true)]
    [InlineData("""{"address.country": "CA"}""", false)]
    [InlineData("""{"0": "address.zip:isNull"}""", true)]
    [InlineData("""{"0": "address.city:isNull"}""", false)]
    [InlineData("""{"0": "manager:isNull"}""", true)]
    [InlineData("""{"0": "missing:isNull"}""", true)]
    [InlineData("""{"0": "firstName:isNotNull"}""", true)]
    [InlineData("""{"0": "manager:isNotNull"}""", false)]
    [InlineData("""{"0": "address.nothing.deeper:isNotNull"}""", false)]
    // all must hold
    [InlineData("""{"firstName": "Ann", "salary:gt": 1000, "0": "manager:isNull"}""", true)]
    [InlineData("""{"firstName": "Ann", "salary:gt": 2000}""", false)]
    public void Filters_hold_or_not(string filters, bool expected)
    {
        var errors = new Dictionary<string, List<string>>();
        var parsed = UserFilterParser.Parse(JsonDocument.Parse(filters).RootElement, "f", errors);
        Assert.Empty(errors);

        Assert.Equal(expected, FilterEvaluator.Matches(parsed!.Conditions, JsonNode.Parse(Employee)!.AsObject()));
    }
}
