using System.Diagnostics.Metrics;

namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class TenantLabelTests
{
    private static DeliveryMetrics Metrics(int tenants) =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(),
            Options.Create(new DeliverySettings { MetricTenants = tenants }));

    [Fact]
    public void The_first_tenants_a_silo_counts_keep_their_names_and_the_others_share_one_label()
    {
        using var metrics = Metrics(2);

        Assert.Equal("acme", metrics.TenantLabel("acme"));
        Assert.Equal("globex", metrics.TenantLabel("globex"));
        Assert.Equal(DeliveryMetrics.OtherTenants, metrics.TenantLabel("initech"));
        Assert.Equal("acme", metrics.TenantLabel("acme"));
        Assert.Equal(DeliveryMetrics.OtherTenants, metrics.TenantLabel("umbrella"));
    }

    [Fact]
    public void No_tenant_is_named_when_labels_are_off_and_the_shared_label_is_no_tenant_name()
    {
        using var metrics = Metrics(0);

        Assert.Equal(DeliveryMetrics.OtherTenants, metrics.TenantLabel("acme"));
        Assert.DoesNotMatch(EventsSubscriptions.Grains.Interfaces.Tenants.Tenants.Name(), DeliveryMetrics.OtherTenants);
    }
}
