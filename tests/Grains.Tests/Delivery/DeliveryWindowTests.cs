using System.Diagnostics.Metrics;

namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class DeliveryWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static PendingDelivery Delivery(string entity, long sequence, int bodyCharacters = 10, long outboxSeq = 0) => new()
    {
        OutboxSeq = outboxSeq,
        EventId = $"{entity}-{sequence}",
        EventName = "entity:employees:updated",
        EntityKey = entity,
        EntitySequence = sequence,
        Body = new string('x', bodyCharacters),
    };

    private static DeliveryWindows Silo(int deliveries = 3, int kilobytes = 1024, int siloMegabytes = 256) =>
        new(Options.Create(new DeliverySettings { WindowDeliveries = deliveries, WindowKilobytes = kilobytes, SiloWindowMegabytes = siloMegabytes }),
            new DeliveryMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()));

    private static WindowPage Page(long lastSeq, bool more, params PendingDelivery[] deliveries) => new(deliveries, lastSeq, more);

    [Fact]
    public void A_window_that_holds_every_pending_delivery_takes_new_ones_up_to_its_count_then_leaves_them_on_disk_for_a_read()
    {
        var silo = Silo(deliveries: 3);
        var window = silo.Create();
        window.StartEmpty();

        Assert.True(window.Offer(Delivery("employees/1", 1)));
        Assert.True(window.Offer(Delivery("employees/2", 1)));
        Assert.True(window.Offer(Delivery("employees/3", 1)));
        Assert.False(window.Offer(Delivery("employees/4", 1)));
        Assert.Equal(3, window.Queue.Count);
        Assert.Equal(window.Queue.Bytes, silo.Held);
        Assert.False(window.Complete);
        // Full: no read until a delivery is settled; once one is, the read starts where the last one ended.
        Assert.Null(window.BeginRead());
        Assert.Equal("employees/1-1", window.Queue.TakeDue(Now, 1).Single().EventId);
        window.Settle(Delivery("employees/1", 1));
        var read = window.BeginRead();
        Assert.Equal((0L, 1), (read!.AfterSeq, read.Deliveries));

        Assert.False(window.EndRead(Page(4, more: true, Delivery("employees/2", 1), Delivery("employees/4", 1))));
        // What it held already is not taken twice; the next read starts after the last row taken.
        Assert.Equal(3, window.Queue.Count);
        window.Settle(window.Queue.TakeDue(Now, 1).Single());
        Assert.Equal(4, window.BeginRead()!.AfterSeq);
        Assert.False(window.EndRead(Page(4, more: false)));
        Assert.True(window.Complete);
    }

    [Fact]
    public void A_window_that_holds_deliveries_reads_once_a_quarter_of_it_is_free_not_a_row_at_a_time()
    {
        var window = Silo(deliveries: 8).Create();
        window.BeginRead();
        window.EndRead(Page(8, more: true, [.. Enumerable.Range(1, 8).Select(n => Delivery($"employees/{n}", 1, outboxSeq: n))]));

        foreach (var sent in window.Queue.TakeDue(Now, 1))
        {
            window.Settle(sent);
        }
        Assert.Null(window.BeginRead());
        foreach (var sent in window.Queue.TakeDue(Now, 1))
        {
            window.Settle(sent);
        }

        var read = window.BeginRead();
        Assert.Equal((8L, 2), (read!.AfterSeq, read.Deliveries));
    }

    [Fact]
    public void The_byte_budgets_of_the_subscription_and_of_the_silo_bound_the_window_but_an_empty_window_always_takes_one()
    {
        var silo = Silo(deliveries: 1000, kilobytes: 16, siloMegabytes: 1);
        var window = silo.Create();
        window.StartEmpty();
        // 3,000 characters: about 6 KB each, two fit in 16 KiB.
        Assert.True(window.Offer(Delivery("employees/1", 1, 3000)));
        Assert.True(window.Offer(Delivery("employees/2", 1, 3000)));
        Assert.False(window.Offer(Delivery("employees/3", 1, 3000)));

        // Another subscription of the same silo: a body larger than what the silo has left is still
        // taken when its window is empty, never a second one.
        var other = silo.Create();
        other.StartEmpty();
        Assert.True(other.Offer(Delivery("employees/9", 1, 600_000)));
        Assert.True(silo.Available < 0);
        Assert.False(other.Offer(Delivery("employees/9", 2, 10)));
        // An empty window's read asks for one character: the first row only (ReadWindowAsync always takes the first).
        Assert.Equal(1, silo.Create().BeginRead()!.Characters);

        window.Release();
        other.Release();
        Assert.Equal(0, silo.Held);
    }

    [Fact]
    public void An_older_change_of_an_entity_held_is_held_too_whatever_the_room_so_that_it_goes_first()
    {
        var window = Silo(deliveries: 2).Create();
        window.StartEmpty();
        Assert.True(window.Offer(Delivery("employees/1", 5)));
        Assert.True(window.Offer(Delivery("employees/2", 1)));
        Assert.False(window.Offer(Delivery("employees/3", 1)));

        Assert.True(window.Offer(Delivery("employees/1", 4)));

        Assert.Equal(["employees/1-4", "employees/2-1"], window.Queue.TakeDue(Now, 10).Select(d => d.EventId).Order());
    }

    [Fact]
    public void A_delivery_settled_while_a_read_is_under_way_is_not_taken_back_from_its_older_snapshot()
    {
        var window = Silo(deliveries: 3).Create();
        window.BeginRead();
        window.EndRead(Page(2, more: false, Delivery("employees/1", 1), Delivery("employees/2", 1)));
        Assert.True(window.Complete);
        // A replay: the next read starts at the outbox's beginning.
        window.ReadFromStart();
        var read = window.BeginRead();
        Assert.Equal(0, read!.AfterSeq);
        var sent = window.Queue.TakeDue(Now, 1).Single();
        window.Settle(sent);

        // The read's snapshot still has the settled delivery as pending (at outbox position 1).
        Assert.False(window.EndRead(Page(3, more: false, Delivery("employees/1", 1, outboxSeq: 1), Delivery("employees/3", 1, outboxSeq: 3))));

        Assert.DoesNotContain(sent.EventId, window.Queue.TakeDue(Now, 10).Select(d => d.EventId));
        Assert.Equal(2, window.Queue.Count);
        // Stale, or made pending again since: the next read starts just before it to find out.
        Assert.False(window.Complete);
        Assert.Equal(0, window.BeginRead()!.AfterSeq);
    }

    [Fact]
    public void A_read_overtaken_by_a_replay_or_a_release_is_dropped_whole()
    {
        var silo = Silo(deliveries: 10);
        var window = silo.Create();
        Assert.Equal(0, window.BeginRead()!.AfterSeq);
        window.EndRead(Page(7, more: true, Delivery("employees/1", 1, outboxSeq: 7)));
        window.BeginRead();
        window.ReadFromStart();

        Assert.False(window.EndRead(Page(9, more: false, Delivery("employees/2", 1, outboxSeq: 9))));

        Assert.Equal(1, window.Queue.Count);
        Assert.Equal(0, window.BeginRead()!.AfterSeq);
        window.Release();
        Assert.False(window.EndRead(Page(1, more: false, Delivery("employees/3", 1, outboxSeq: 1))));
        Assert.Equal((0, 0L), (window.Queue.Count, silo.Held));
    }

    [Fact]
    public void An_older_change_queued_while_a_read_brings_a_newer_one_of_its_entity_is_held_with_it()
    {
        var window = Silo(deliveries: 10).Create();
        window.BeginRead();
        // Entity 1's change 8 is queued late, while a read that will bring its change 10 runs.
        Assert.False(window.Offer(Delivery("employees/1", 8)));

        window.EndRead(Page(4, more: false, Delivery("employees/1", 10, outboxSeq: 4)));

        Assert.Equal("employees/1-8", Assert.Single(window.Queue.TakeDue(Now, 10)).EventId);
    }

    [Fact]
    public void A_delivery_queued_while_a_read_is_under_way_keeps_the_window_from_counting_as_complete()
    {
        var window = Silo(deliveries: 10).Create();
        window.BeginRead();
        Assert.False(window.Offer(Delivery("employees/1", 1)));

        Assert.False(window.EndRead(Page(0, more: false)));
        Assert.False(window.Complete);
        window.BeginRead();
        Assert.True(window.EndRead(Page(1, more: false, Delivery("employees/1", 1))));
        Assert.Equal(1, window.Queue.Count);
    }

    [Fact]
    public void A_delivery_read_and_settled_before_its_write_returned_is_not_held_again_when_offered()
    {
        var window = Silo(deliveries: 10).Create();
        // The sender queues two rows; the outbox writer commits the first in a batch of its own.
        var writing = window.Writing(["employees/1-60", "employees/2-60"]);
        window.BeginRead();
        window.EndRead(Page(5, more: false, Delivery("employees/1", 60, outboxSeq: 5)));
        Assert.True(window.Complete);
        window.Settle(Assert.Single(window.Queue.TakeDue(Now, 10)));

        // The second batch is in: the write returns and the sender offers both rows.
        Assert.False(window.Offer(Delivery("employees/1", 60)));
        Assert.True(window.Offer(Delivery("employees/2", 60)));
        window.Written(writing);

        Assert.Equal("employees/2-60", Assert.Single(window.Queue.TakeDue(Now, 10)).EventId);
    }

    [Fact]
    public void A_delivery_read_and_settled_before_its_write_returned_is_not_held_again_by_the_next_read()
    {
        var window = Silo(deliveries: 10).Create();
        var writing = window.Writing(["employees/1-60"]);
        window.BeginRead();
        window.EndRead(Page(5, more: true, Delivery("employees/1", 60, outboxSeq: 5)));
        window.BeginRead();
        window.Settle(Assert.Single(window.Queue.TakeDue(Now, 10)));
        // Offered while the next read runs, which brings the entity's newer change.
        Assert.False(window.Offer(Delivery("employees/1", 60)));
        window.Written(writing);

        window.EndRead(Page(9, more: false, Delivery("employees/1", 61, outboxSeq: 9)));

        Assert.Equal("employees/1-61", Assert.Single(window.Queue.TakeDue(Now, 10)).EventId);
    }
}
