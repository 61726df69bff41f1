(define (problem blocksworld-p03)
  (:domain blocksworld)
  (:objects b1 b2 b3 - block)
  (:init
    (arm-empty)
    (on-table b1)
    (clear b1)
    (on-table b2)
    (clear b2)
    (on-table b3)
    (clear b3))
  (:goal
    (and
      (on b3 b1))))
