namespace EventsSubscriptions.Grains.Tests.Entities;

[Trait("Category", "Unit")]
public sealed class EntityShaperTests
{
    private static readonly Dictionary<string, string> Store = new()
    {
        ["regions/3"] = """{"id": 3, "name": "Quebec", "parentRegion": 1}""",
        ["regions/1"] = """{"id": 1, "name": "Canada", "parentRegion": null}""",
        ["sites/9"] = """{"id": 9, "name": "Depot", "region": 3}""",
    };

    private const string Employee = """{"id": 12, "firstName": "Ann", "region": 3, "site": 9, "address": {"city": "Laval", "zip": "H7N"}}""";

    [Theory]
    [InlineData("", "", Employee)]
    [InlineData("region", "", """{"id":12,"firstName":"Ann","region":{"id":3,"name":"Quebec","parentRegion":1},"site":9,"address":{"city":"Laval","zip":"H7N"}}""")]
    [InlineData("region.parentRegion", "region.parentRegion.name", """{"region":{"parentRegion":{"name":"Canada"}}}""")]
    [InlineData("site.region", "site.region.name:siteRegion", """{"siteRegion":"Quebec"}""")]
    [InlineData("", "id,address.city", """{"id":12,"address":{"city":"Laval"}}""")]
    [InlineData("", "firstName:first,missing", """{"first":"Ann"}""")]
    [InlineData("region", "id,region.name:regionName", """{"id":12,"regionName":"Quebec"}""")]
    [InlineData("employee", "id", """{"id":12}""")]
    public async Task Include_then_fields_shape_the_entity(string include, string fields, string expected)
    {
        var shaped = await EntityShaper.ShapeAsync(JsonNode.Parse(Employee)!.AsObject(),
            include.Split(',', StringSplitOptions.RemoveEmptyEntries), fields.Split(',', StringSplitOptions.RemoveEmptyEntries),
            new RelationMap(), (resource, id) => Task.FromResult(Store.TryGetValue($"{resource}/{id}", out var json) ? JsonNode.Parse(json)!.AsObject() : null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), shaped), shaped.ToJsonString());
    }

    [Fact]
    public async Task A_related_entity_that_does_not_exist_stays_an_id()
    {
        var shaped = await EntityShaper.ShapeAsync(JsonNode.Parse("""{"id": 1, "region": 404}""")!.AsObject(), ["region"], [],
            new RelationMap(), (_, _) => Task.FromResult<JsonObject?>(null));

        Assert.Equal(404, shaped["region"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("region", true)]
    [InlineData("region.parentRegion", true)]
    [InlineData("colour", false)]
    [InlineData("region..x", false)]
    [InlineData("custom", true)]
    public void Includes_must_name_relations(string include, bool valid)
    {
        var relations = new RelationMap(new Dictionary<string, string> { ["custom"] = "things" });

        Assert.Equal(valid, !EntityShaper.CheckInclude([include], relations).Any());
    }
}
