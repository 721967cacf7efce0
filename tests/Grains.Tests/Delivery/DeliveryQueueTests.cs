namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class DeliveryQueueTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static PendingDelivery Delivery(string entity, long sequence) => new()
    {
        EventId = $"{entity}-{sequence}",
        EventName = "entity:employees:update",
        EntityKey = entity,
        EntitySequence = sequence,
        Body = "{}",
    };

    [Fact]
    public void One_head_per_entity_is_taken_in_entity_order()
    {
        var queue = new DeliveryQueue();
        queue.Add(Delivery("employees/1", 2));
        queue.Add(Delivery("employees/1", 1));
        queue.Add(Delivery("employees/2", 1));

        var taken = queue.TakeDue(Now, 10);

        Assert.Equal(["employees/1-1", "employees/2-1"], taken.Select(d => d.EventId).Order());
        Assert.Empty(queue.TakeDue(Now, 10));
    }

    [Fact]
    public void An_answered_head_frees_its_call_slot_but_holds_its_entity_until_completed()
    {
        var queue = new DeliveryQueue();
        queue.Add(Delivery("employees/1", 1));
        queue.Add(Delivery("employees/1", 2));
        queue.Add(Delivery("employees/2", 1));

        var first = Assert.Single(queue.TakeDue(Now, queue.Room(maxCalls: 1, maxBusy: 5)));
        Assert.Equal(0, queue.Room(maxCalls: 1, maxBusy: 5));

        queue.Answered();
        Assert.Equal(1, queue.Room(maxCalls: 1, maxBusy: 5));
        // Recording: the entity's next delivery waits; another entity's head may go.
        var second = Assert.Single(queue.TakeDue(Now, queue.Room(maxCalls: 1, maxBusy: 5)));
        Assert.NotEqual(first.EntityKey, second.EntityKey);

        queue.Answered();
        queue.Complete(first);
        Assert.Equal("employees/1-2", Assert.Single(queue.TakeDue(Now, 5)).EventId);
    }

    [Fact]
    public void Entities_waiting_for_their_records_are_bounded()
    {
        var queue = new DeliveryQueue();
        for (var i = 0; i < 10; i++)
        {
            queue.Add(Delivery($"employees/{i}", 1));
        }

        var taken = queue.TakeDue(Now, queue.Room(maxCalls: 2, maxBusy: 3));
        Assert.Equal(2, taken.Count);
        queue.Answered();
        queue.Answered();

        // Two answered, not yet recorded: one more may be taken, not two.
        Assert.Equal(1, queue.Room(maxCalls: 2, maxBusy: 3));
        queue.Postpone(taken[0]);
        Assert.Equal(2, queue.Room(maxCalls: 2, maxBusy: 3));
    }

    [Fact]
    public void A_postponed_head_stays_first_and_waits_for_its_time()
    {
        var queue = new DeliveryQueue();
        var head = Delivery("employees/1", 1);
        queue.Add(head);
        queue.Add(Delivery("employees/1", 2));

        Assert.Same(head, Assert.Single(queue.TakeDue(Now, 5)));
        queue.Answered();
        head.NextAttemptOn = Now.AddSeconds(30);
        queue.Postpone(head);

        Assert.Empty(queue.TakeDue(Now, 5));
        Assert.Same(head, Assert.Single(queue.TakeDue(Now.AddSeconds(30), 5)));
    }

    [Fact]
    public void A_delivery_is_queued_once()
    {
        var queue = new DeliveryQueue();
        Assert.True(queue.Add(Delivery("employees/1", 1)));
        Assert.False(queue.Add(Delivery("employees/1", 1)));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Draining_forgets_every_delivery_and_call()
    {
        var queue = new DeliveryQueue();
        queue.Add(Delivery("employees/1", 1));
        queue.Add(Delivery("employees/2", 1));
        queue.TakeDue(Now, 1);

        Assert.Equal(2, queue.DrainAll().Count);
        Assert.Equal((0, 0, 0), (queue.Count, queue.InFlight, queue.Calling));
        queue.Answered();
        Assert.Equal(0, queue.Calling);
    }
}
