@mm
Feature: At DISPATCH_LEVEL only resident, locked memory may be touched

  The page-fault handler cannot run at DISPATCH_LEVEL or above: touching a page that is not
  resident there bug-checks DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1: address, IRQL, read/write,
  instruction address) when the faulting code is a driver's, IRQL_NOT_LESS_OR_EQUAL (0xA) when it is
  the kernel's. A locked page, mapped into system space, never faults.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xd1--driver-irql-not-less-or-equal,
  https://learn.microsoft.com/windows-hardware/drivers/kernel/managing-hardware-priorities
  (https://learn.microsoft.com/windows-hardware/drivers/kernel/managing-hardware-priorities).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And "app" writes "pageable" at buf
    And the working set of "app" is trimmed to the paging file

  @ddi:KeRaiseIrql
  Scenario Outline: Reading a trimmed user page at <irql> <outcome>
    When the driver calls old = KeRaiseIrql(<irql>)
    And the driver reads 1 byte at buf
    Then <check>

    Examples:
      | irql           | outcome                                | check                                                              |
      | APC_LEVEL      | resolves the fault from the paging file | the machine is running                                            |
      | DISPATCH_LEVEL | bug-checks 0xD1                        | the machine bug-checked with DRIVER_IRQL_NOT_LESS_OR_EQUAL (buf, 2, 0, *) |

  @ddi:KeRaiseIrql
  Scenario: Writing a trimmed page at DISPATCH_LEVEL gives 0xD1 with the write bit in parameter 3
    When the driver calls old = KeRaiseIrql(DISPATCH_LEVEL)
    And the driver writes "x" at buf+0x1000
    Then the machine bug-checked with DRIVER_IRQL_NOT_LESS_OR_EQUAL (buf + 0x1000, 2, 1, *)

  @ddi:MmProbeAndLockPages @ddi:KeRaiseIrql
  Scenario: The same buffer, locked and mapped at PASSIVE_LEVEL, can be read at DISPATCH_LEVEL
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)          |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | old = KeRaiseIrql(DISPATCH_LEVEL)                          |
    And the working set of "app" is trimmed to the paging file
    Then CurrentIrql is DISPATCH_LEVEL
    And the driver reads "pageable" at va
    And the driver reads "pageable" at buf
    And the machine is running

  @ddi:KeRaiseIrql
  Scenario: A trimmed paged-pool page at DISPATCH_LEVEL bug-checks 0xD1 too
    When the driver calls:
      | p = ExAllocatePoolWithTag(PagedPool, 0x1000, 0x74736554) |
      | RtlFillMemory(p, 0x10, 0x41)                             |
    And the system working set is trimmed to the paging file
    And the driver calls old = KeRaiseIrql(DISPATCH_LEVEL)
    And the driver reads 1 byte at p
    Then the machine bug-checked with DRIVER_IRQL_NOT_LESS_OR_EQUAL (p, 2, 0, *)

  # On x64, KeLowerIrql and KeRaiseIrql are wdm.h inlines that write CR8: the free build checks
  # nothing (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-kelowerirql); Driver
  # Verifier reports the misuse as 0xC4/0x30 and 0x31. ReactOS's x86 HAL checks and bug-checks
  # IRQL_NOT_LESS_OR_EQUAL (hal/halx86/generic/irql.c): features/mm/disagreements.feature.
  @ddi:KeLowerIrql
  Scenario: KeLowerIrql to a higher IRQL than the current one raises it, unchecked, on x64
    When the driver calls KeLowerIrql(DISPATCH_LEVEL)
    Then the machine is running
    And CurrentIrql is DISPATCH_LEVEL

  @ddi:KeRaiseIrql
  Scenario: KeRaiseIrql to a lower IRQL lowers it, unchecked, on x64
    When the driver calls old = KeRaiseIrql(DISPATCH_LEVEL)
    And the driver calls older = KeRaiseIrql(APC_LEVEL)
    Then the machine is running
    And older is DISPATCH_LEVEL
    And CurrentIrql is APC_LEVEL

  # CR8 holds a 4-bit IRQL; writing a value with bits above bit 3 set is a #GP (Intel SDM vol. 3A
  # 10.8.6, "Task Priority in IA-32e Mode"), which Windows dispatches as STATUS_ACCESS_VIOLATION.
  @ddi:KeRaiseIrql
  Scenario: KeRaiseIrql(16) is a general-protection fault the driver's __try catches as an access violation
    When the driver calls KeRaiseIrql(16) inside __try
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And CurrentIrql is PASSIVE_LEVEL
