namespace EventsSubscriptions.Grains.Tests.Entities;

[Trait("Category", "Unit")]
public sealed class EntityKeyTests
{
    [Theory]
    [InlineData("employees/42", "employees", 42L)]
    [InlineData("employees/0", "employees", 0L)]
    [InlineData("a/b/7", "a/b", 7L)]
    public void A_key_splits_at_its_last_slash_and_formats_back(string key, string resource, long id)
    {
        var parsed = EntityKey.Parse(key);

        Assert.Equal(new EntityKey(resource, id), parsed);
        Assert.Equal(key, parsed.ToString());
        Assert.Equal(key, EntityKey.Format(resource, id));
    }

    [Theory]
    [InlineData("employees")]
    [InlineData("/42")]
    [InlineData("employees/")]
    [InlineData("employees/4x")]
    public void Anything_else_is_refused(string key)
    {
        Assert.False(EntityKey.TryParse(key, out _));
        Assert.Throws<FormatException>(() => EntityKey.Parse(key));
    }
}
