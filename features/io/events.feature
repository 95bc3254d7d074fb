@io
Feature: Events and KeWaitForSingleObject: signalled, reset by a satisfied wait, waited out, and the IRQL a wait may block at

  A KEVENT is a DISPATCHER_HEADER in the caller's storage: Type (NotificationEvent 0,
  SynchronizationEvent 1), Size in ULONGs (6) and SignalState. KeSetEvent and KeResetEvent return
  the previous state. A wait on a signalled event returns STATUS_SUCCESS at once; a
  SynchronizationEvent is reset by the wait it satisfies, a NotificationEvent stays signalled. A
  zero timeout never blocks, so it is legal up to DISPATCH_LEVEL and returns STATUS_TIMEOUT when the
  event is not signalled. A wait that must block needs a thread: in a DPC the context switch
  bug-checks ATTEMPTED_SWITCH_FROM_DPC (0xB8: the original thread, the new thread, the original
  thread's stack, 0); a thread that raised IRQL itself blocks anyway on the free kernel, whose only
  check is an ASSERT of the checked kernel. While a thread blocks the machine runs its pending work
  (a device that finishes a request and interrupts); when none is left, a timeout expires
  (STATUS_TIMEOUT) and a wait without one never returns.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kewaitforsingleobject,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kesetevent,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xb8--attempted-switch-from-dpc,
  https://learn.microsoft.com/archive/blogs/doronh/a-null-and-zero-wait-timeout-are-not-the-same,
  ReactOS ntoskrnl/ke/wait.c and eventobj.c, ke/amd64/thrdini.c (KiSwapContextResume);
  the model of a wait is ntspec.ke.Waits's.

  Background:
    Given a machine
    And a driver "Ev.sys" with a device "\Device\Ev"
    And "Ev.sys" runs:
      | ev = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(KEVENT), 'tvEK')       |
      | zero = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(LARGE_INTEGER), 'tvEK') |
      | *(PLARGE_INTEGER)zero = 0                                                 |
      | second = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(LARGE_INTEGER), 'tvEK') |
      | *(PLARGE_INTEGER)second = -10000000                                       |

  @ddi:KeInitializeEvent @ddi:KeSetEvent @ddi:KeWaitForSingleObject
  Scenario: A notification event set, then waited on: STATUS_SUCCESS at once, and it stays signalled
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                           |
      | before = KeReadStateEvent(ev)                                             |
      | previous = KeSetEvent(ev, IO_NO_INCREMENT, FALSE)                         |
      | first = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL)     |
      | again = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL)     |
    Then these hold:
      | expression                                | value              |
      | before                                    | 0                  |
      | previous                                  | 0                  |
      | first                                     | STATUS_SUCCESS     |
      | again                                     | STATUS_SUCCESS     |
      | ((PKEVENT)ev)->Header.Type                | NotificationEvent  |
      | ((PKEVENT)ev)->Header.Size                | 6                  |
      | ((PKEVENT)ev)->Header.SignalState         | 1                  |
      | ((PKEVENT)ev)->Header.WaitListHead        | ev + 8             |
    And the machine is running
    And the trace shows, in order:
      | KeSetEvent(                              |
      | KeWaitForSingleObject returned STATUS_SUCCESS |

  @ddi:KeWaitForSingleObject
  Scenario: A synchronization event is reset by the wait it satisfies: the next zero-timeout wait times out
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, SynchronizationEvent, TRUE)                     |
      | first = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, zero) |
      | state = KeReadStateEvent(ev)                                          |
      | next = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, zero)  |
    Then first is STATUS_SUCCESS
    And state is 0
    And next is STATUS_TIMEOUT
    And ((PKEVENT)ev)->Header.Type is SynchronizationEvent

  @ddi:KeSetEvent @ddi:KeResetEvent @ddi:KeClearEvent
  Scenario: KeSetEvent and KeResetEvent return the previous state; KeClearEvent returns nothing
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, TRUE)     |
      | setWhenSet = KeSetEvent(ev, EVENT_INCREMENT, FALSE) |
      | resetWhenSet = KeResetEvent(ev)                    |
      | resetWhenClear = KeResetEvent(ev)                  |
      | setWhenClear = KeSetEvent(ev, EVENT_INCREMENT, FALSE) |
      | KeClearEvent(ev)                                   |
    Then these hold:
      | expression                        | value |
      | setWhenSet                        | 1     |
      | resetWhenSet                      | 1     |
      | resetWhenClear                    | 0     |
      | setWhenClear                      | 0     |
      | ((PKEVENT)ev)->Header.SignalState | 0     |

  @ddi:KeWaitForSingleObject
  Scenario: A zero-timeout wait at DISPATCH_LEVEL does not block: STATUS_TIMEOUT, and the IRQL is unchanged
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                        |
      | KeRaiseIrql(DISPATCH_LEVEL)                                            |
      | status = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, zero) |
      | irql = KeGetCurrentIrql()                                              |
      | KeLowerIrql(PASSIVE_LEVEL)                                             |
    Then status is STATUS_TIMEOUT
    And irql is DISPATCH_LEVEL
    And the machine is running

  @ddi:KeWaitForSingleObject
  Scenario: A zero-timeout wait in a DPC on a signalled event is satisfied without blocking
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, SynchronizationEvent, TRUE) |
    And "Ev.sys" runs a DPC on processor 1:
      | status = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, zero) |
    Then status is STATUS_SUCCESS
    And ((PKEVENT)ev)->Header.SignalState is 0

  @ddi:KeWaitForSingleObject
  Scenario: A wait with a timeout in a DPC must block, and a DPC cannot: ATTEMPTED_SWITCH_FROM_DPC
    Given a user process "busy"
    And "busy" is running on processor 1
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, FALSE) |
    And "Ev.sys" runs a DPC on processor 1:
      | interrupted = KeGetCurrentThread()                            |
      | KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, second) |
    Then the machine bug-checked with ATTEMPTED_SWITCH_FROM_DPC (interrupted, *, *, 0)
    And interrupted->Tcb.Process is busy

  @ddi:KeWaitForSingleObject
  Scenario: A thread that raised to DISPATCH_LEVEL itself blocks on the free kernel: the timeout expires and it returns at DISPATCH_LEVEL
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                          |
      | start = KeQueryInterruptTime()                                           |
      | KeRaiseIrql(DISPATCH_LEVEL)                                              |
      | status = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, second) |
      | irql = KeGetCurrentIrql()                                                |
      | KeLowerIrql(PASSIVE_LEVEL)                                               |
      | waited = KeQueryInterruptTime() - start                                  |
    Then status is STATUS_TIMEOUT
    And irql is DISPATCH_LEVEL
    And waited is 10000000

  @ddi:KeWaitForSingleObject
  Scenario: The checked kernel asserts a blocking wait at DISPATCH_LEVEL
    Given the machine runs the checked kernel
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                 |
      | KeRaiseIrql(DISPATCH_LEVEL)                                     |
      | KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, second) |
    Then the checked kernel asserted "KeGetCurrentIrql() < DISPATCH_LEVEL || (KeGetCurrentIrql() == DISPATCH_LEVEL && Timeout && Timeout->QuadPart == 0)" in KeWaitForSingleObject

  @ddi:KeWaitForSingleObject
  Scenario: With nothing pending in the machine, a timeout expires: STATUS_TIMEOUT after the interval
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                          |
      | start = KeQueryInterruptTime()                                           |
      | status = KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, second) |
      | waited = KeQueryInterruptTime() - start                                  |
    Then status is STATUS_TIMEOUT
    And waited is 10000000
    And the machine is running

  @ddi:KeWaitForSingleObject
  Scenario: A wait without a timeout on an event nothing will ever set: the thread hangs
    When "Ev.sys" runs:
      | KeInitializeEvent(ev, NotificationEvent, FALSE)                |
      | KeWaitForSingleObject(ev, Executive, KernelMode, FALSE, NULL)  |
    Then the current thread hung in KeWaitForSingleObject
